"""An OpenAPI 3 document (YAML or JSON) imports into working custom tools, invoked against a
local API through the playground (the HTTP tool's protections included)."""
import json

import pytest
import yaml

from tests.runtime.tools.local_server import json_answer

pytestmark = pytest.mark.django_db(transaction=True)  # tool threads read the project data key on their own connection

DOCUMENT = """
openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://pets.example.com/v1"}]
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getPet
      summary: Get one pet
      parameters:
        - {name: fields, in: query, schema: {type: string}}
      responses: {"200": {description: ok}}
  /pets:
    post:
      operationId: createPet
      summary: Add a pet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewPet"}
      responses: {"201": {description: created}}
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties: {name: {type: string}, tag: {type: string}}
"""


def import_pets(api, server, **extra):
    return api.post("/api/v1/tools/import-openapi", {"document": DOCUMENT, "base_url": server.url("/v1"),
                                                     **extra}, format="json")


def test_document_imports_into_working_tools(api, server, allow_loopback):
    server.route("/v1/pets/7", lambda seen: json_answer({"id": 7, "name": "Rex", "fields": seen.query}))
    server.route("/v1/pets", lambda seen: json_answer({"created": seen.json()}, status=201))
    response = import_pets(api, server, prefix="pets_",
                           headers={"Authorization": "Bearer {secret:PETS}"})
    assert response.status_code == 201, response.content
    tools = {t["name"]: t for t in response.json()["data"]}
    assert set(tools) == {"pets_getPet", "pets_createPet"}
    assert tools["pets_getPet"]["kind"] == "openapi" and tools["pets_getPet"]["description"] == "Get one pet"
    assert tools["pets_getPet"]["input_schema"]["required"] == ["petId"]
    assert tools["pets_createPet"]["input_schema"]["properties"]["body"]["required"] == ["name"]
    assert tools["pets_createPet"]["side_effect"] == "side_effecting"
    assert tools["pets_getPet"]["secret_refs"] == ["PETS"]

    api.post("/api/v1/secrets", {"name": "PETS", "value": "pets-token", "allowed_hosts": ["127.0.0.1"]}, format="json")
    got = api.post("/api/v1/tools/pets_getPet/invoke", {"input": {"petId": 7, "fields": "name"}}, format="json")
    assert got.status_code == 200, got.content
    assert got.json()["output"]["body"] == {"id": 7, "name": "Rex", "fields": {"fields": ["name"]}}
    assert server.seen[-1].headers["Authorization"] == "Bearer pets-token"
    made = api.post(f"/api/v1/tools/{tools['pets_createPet']['id']}/invoke",
                    {"input": {"body": {"name": "Tom", "tag": "cat"}}}, format="json")
    assert made.status_code == 200, made.content
    assert made.json()["output"] == {"status": 201, "headers": made.json()["output"]["headers"],
                                     "body": {"created": {"name": "Tom", "tag": "cat"}}, "truncated": False}
    invalid = api.post("/api/v1/tools/pets_createPet/invoke", {"input": {"body": {"tag": "x"}}}, format="json")
    assert invalid.status_code == 422 and "input.body" in invalid.json()["errors"]


def test_json_document_and_chosen_operations(api, server):
    document = json.dumps(yaml.safe_load(DOCUMENT))
    response = api.post("/api/v1/tools/import-openapi", {"document": document, "operations": ["getPet"]},
                        format="json")
    assert response.status_code == 201, response.content
    [tool] = response.json()["data"]
    assert tool["name"] == "getPet"
    version = api.get(f"/api/v1/tools/{tool['id']}/versions/1").json()["body"]
    assert version["base_url"] == "https://pets.example.com/v1"
    assert version["operation"]["path"] == "/pets/{petId}"


def test_imported_tools_still_refuse_private_addresses(api, server):
    server.route("/v1/pets/7", lambda seen: json_answer({"id": 7}))
    assert import_pets(api, server).status_code == 201
    refused = api.post("/api/v1/tools/getPet/invoke", {"input": {"petId": 7}}, format="json")
    assert refused.status_code == 403
    assert server.seen == []


@pytest.mark.parametrize("payload, field", [
    ({"document": "openapi: 2.0\npaths: {}"}, "document"),
    ({"document": "{not json"}, "document"),
    ({"document": DOCUMENT, "operations": ["deletePet"]}, "operations"),
    ({"document": DOCUMENT.replace("https://pets.example.com/v1", "/relative")}, "base_url"),
    ({"document": DOCUMENT, "prefix": "bad prefix"}, "prefix"),
])
def test_bad_imports_name_the_field(api, payload, field):
    response = api.post("/api/v1/tools/import-openapi", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_importing_twice_conflicts_and_creates_nothing(api, server):
    assert import_pets(api, server, operations=["getPet"]).status_code == 201
    again = import_pets(api, server)
    assert again.status_code == 409 and "prefix" in again.json()["errors"]
    names = [t["name"] for t in api.get("/api/v1/tools?kind=openapi").json()["data"]]
    assert names == ["getPet"]
