"""Importing an OpenAPI 3 document into tools that call a real API on 127.0.0.1."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from runtime.errors import ToolRefused
from runtime.tools.openapi import OpenAPIError, import_tools, list_operations, load_document
from runtime.tools.ssrf import HttpPolicy
from tests.runtime.tools.conftest import LOOPBACK, make_ctx
from tests.runtime.tools.local_server import json_answer

PETSTORE_YAML = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers:
  - url: http://127.0.0.1:{port}/v1
    variables:
      port: {default: "PORT"}
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
        - $ref: '#/components/parameters/RequestId'
      responses: {"200": {description: ok}}
    post:
      operationId: createPet
      summary: Create a pet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses: {"201": {description: created}}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
    get:
      summary: Get one pet
      description: By its id.
      responses: {"200": {description: ok}}
components:
  parameters:
    RequestId: {name: X-Request-Id, in: header, required: false, schema: {type: string}}
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
        parent: {$ref: '#/components/schemas/NewPet'}
"""


@pytest.fixture
def petstore(server):
    pets = {"1": {"id": "1", "name": "Rex"}}

    def pets_route(seen):
        if seen.method == "POST":
            pet = {"id": str(len(pets) + 1), **seen.json()}
            pets[pet["id"]] = pet
            return json_answer(pet, 201)
        limit = int(seen.query.get("limit", ["10"])[0])
        return json_answer({"pets": list(pets.values())[:limit], "request_id": seen.headers.get("X-Request-Id")})

    server.route("/v1/pets", pets_route)
    server.route("/v1/pets/1", lambda seen: json_answer(pets["1"]))
    return PETSTORE_YAML.replace("PORT", str(server.port))


def tools_by_name(document, **kwargs):
    return {t.spec.name: t for t in import_tools(document, policy=LOOPBACK, **kwargs)}


def test_yaml_document_imports_into_working_tools(petstore, server):
    tools = tools_by_name(petstore)
    assert set(tools) == {"listPets", "createPet", "get_pets_petId"}
    ctx = make_ctx(policy=LOOPBACK)
    created = tools["createPet"].invoke({"body": {"name": "Tom", "tag": "cat"}}, ctx)
    assert created["status"] == 201 and created["body"]["name"] == "Tom"
    listed = tools["listPets"].invoke({"limit": 1, "X-Request-Id": "r-9"}, ctx)
    assert listed["body"] == {"pets": [{"id": "1", "name": "Rex"}], "request_id": "r-9"}
    assert tools["get_pets_petId"].invoke({"petId": "1"}, ctx)["body"]["name"] == "Rex"
    assert [s.path for s in server.seen] == ["/v1/pets", "/v1/pets", "/v1/pets/1"]


def test_json_document_imports_the_same_operations(petstore):
    as_json = json.dumps(yaml.safe_load(petstore))
    assert set(tools_by_name(as_json)) == {"listPets", "createPet", "get_pets_petId"}


def test_input_schema_joins_parameters_and_inlined_request_body(petstore):
    tools = tools_by_name(petstore)
    create = tools["createPet"].spec.input_schema
    assert create["required"] == ["body"]
    assert create["properties"]["body"]["properties"]["name"] == {"type": "string"}
    assert create["properties"]["body"]["properties"]["parent"] == {}  # recursive $ref cut
    listing = tools["listPets"].spec.input_schema
    assert set(listing["properties"]) == {"limit", "X-Request-Id"}
    jsonschema.Draft202012Validator.check_schema(listing)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"limit": 1000}, listing)
    assert tools["get_pets_petId"].spec.input_schema["required"] == ["petId"]


def test_spec_takes_description_and_side_effect_from_the_operation(petstore):
    tools = tools_by_name(petstore)
    assert tools["get_pets_petId"].spec.description == "Get one pet — By its id."
    assert tools["listPets"].spec.side_effect == "read_only"
    assert tools["createPet"].spec.side_effect == "side_effecting"


def test_only_chosen_operations_become_tools(petstore):
    assert set(tools_by_name(petstore, operations=["listPets"])) == {"listPets"}
    with pytest.raises(OpenAPIError):
        import_tools(petstore, operations=["deletePet"])


def test_imported_tools_keep_the_ssrf_protection(petstore):
    tool = import_tools(petstore, operations=["listPets"])[0]
    with pytest.raises(ToolRefused):
        tool.invoke({}, make_ctx(policy=HttpPolicy()))


def test_auth_headers_with_secrets_are_sent(petstore, server):
    tool = import_tools(petstore, operations=["listPets"], headers={"Authorization": "Bearer {secret:PETS}"})[0]
    out = tool.invoke({}, make_ctx(policy=LOOPBACK, secrets={"PETS": "pk_123"}))
    assert server.seen[0].headers["Authorization"] == "Bearer pk_123"
    assert tool.spec.secret_refs == ("PETS",)
    assert out["status"] == 200


def test_base_url_overrides_the_servers_entry(petstore, server):
    doc = yaml.safe_load(petstore)
    doc["servers"] = [{"url": "/relative"}]
    with pytest.raises(OpenAPIError):
        import_tools(doc)
    tool = import_tools(doc, base_url=server.url("/v1"), operations=["listPets"], policy=LOOPBACK)[0]
    assert tool.invoke({}, make_ctx(policy=LOOPBACK))["status"] == 200


@pytest.mark.parametrize("text", ["not: [valid", "swagger: '2.0'\npaths: {}", "openapi: 3.1.0\ninfo: {}"])
def test_invalid_documents_are_rejected_at_import(text):
    with pytest.raises(OpenAPIError):
        load_document(text)


def test_operation_listing_is_available_before_choosing(petstore):
    ops = list_operations(load_document(petstore))
    assert [(o.method, o.path) for o in ops] == [("GET", "/pets"), ("POST", "/pets"), ("GET", "/pets/{petId}")]
