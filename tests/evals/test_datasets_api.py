"""Datasets over the API: create from JSON, CSV and JSONL; items; versions immutable; errors."""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import client_for, make_key

pytestmark = pytest.mark.django_db


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_create_from_json_and_read_versions(api):
    r = api.post("/api/v1/datasets", {"name": "qa", "items": [{"input": "2+2?", "expected": "4", "tags": ["smoke"]},
                                                            {"id": "b", "input": {"message": "hi"}}]}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["latest_version"] == 1 and body["items"] == 2
    v = api.get(f"/api/v1/datasets/{body['id']}/versions/1").json()
    assert v["body"]["items"] == [{"id": "1", "input": "2+2?", "expected": "4", "tags": ["smoke"]},
                                  {"id": "b", "input": {"message": "hi"}}]
    assert len(v["content_hash"]) == 64
    listed = api.get("/api/v1/datasets").json()
    assert [d["name"] for d in listed["data"]] == ["qa"]


def test_adding_items_makes_a_new_version_and_keeps_the_old(api):
    ds = api.post("/api/v1/datasets", {"name": "qa", "items": [{"id": "a", "input": "x", "expected": "1"}]},
                  format="json").json()
    r = api.post(f"/api/v1/datasets/{ds['id']}/items", {"items": [{"id": "a", "input": "x", "expected": "2"},
                                                                   {"id": "b", "input": "y"}]}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["number"] == 2
    v1 = api.get(f"/api/v1/datasets/{ds['id']}/versions/1").json()["body"]["items"]
    v2 = api.get(f"/api/v1/datasets/{ds['id']}/versions/2").json()["body"]["items"]
    assert v1 == [{"id": "a", "input": "x", "expected": "1"}]
    assert v2 == [{"id": "a", "input": "x", "expected": "2"}, {"id": "b", "input": "y"}]
    # the same change again is no change: the latest version answers 200
    again = api.post(f"/api/v1/datasets/{ds['id']}/items", {"items": [{"id": "b", "input": "y"}]}, format="json")
    assert again.status_code == 200 and again.json()["number"] == 2
    removed = api.post(f"/api/v1/datasets/{ds['id']}/items", {"remove": ["a"]}, format="json")
    assert removed.status_code == 201 and [i["id"] for i in removed.json()["body"]["items"]] == ["b"]


def test_csv_with_bom_quotes_newlines_unicode_and_nested_json(api):
    text = ('\ufeffid,question,answer,meta\r\n'
            'q1,"Hello, world",Bonjour,"{""lang"": ""fr""}"\r\n'
            '\r\n'
            'q2,"two\nlines ünïcødé","[1, 2]",{}\r\n')
    r = api.post("/api/v1/datasets", {"name": "csv", "file": upload("data.csv", text),
                                      "mapping": '{"id": "id", "input": "question", "expected": "answer", '
                                                 '"metadata": "meta"}'}, format="multipart")
    assert r.status_code == 201, r.content
    items = api.get(f"/api/v1/datasets/{r.json()['id']}/versions/1").json()["body"]["items"]
    assert items == [{"id": "q1", "input": "Hello, world", "expected": "Bonjour", "metadata": {"lang": "fr"}},
                     {"id": "q2", "input": "two\nlines ünïcødé", "expected": [1, 2]}]


def test_csv_without_input_column_builds_the_input_from_the_other_columns(api):
    text = "city,country,expected\nParis,France,yes\n"
    r = api.post("/api/v1/datasets", {"name": "cities", "file": upload("c.csv", text)}, format="multipart")
    assert r.status_code == 201, r.content
    items = api.get(f"/api/v1/datasets/{r.json()['id']}/versions/1").json()["body"]["items"]
    assert items == [{"id": "1", "input": {"city": "Paris", "country": "France"}, "expected": "yes"}]


def test_csv_bad_row_is_named_by_its_line(api):
    text = 'input,expected\n"multi\nline",a\nok,b\nthree,fields,here\n'
    r = api.post("/api/v1/datasets", {"name": "bad", "file": upload("bad.csv", text)}, format="multipart")
    assert r.status_code == 422
    assert r["Content-Type"].startswith("application/problem+json")
    assert r.json()["errors"]["file"] == ["line 5: 3 fields, the header has 2"]
    assert api.get("/api/v1/datasets").json()["data"] == []  # nothing stored


def test_jsonl_skips_blank_lines_and_names_bad_ones(api):
    good = '\ufeff{"id": "a", "input": "x"}\n\n{"input": "ünï", "expected": {"k": [1]}}\n'
    r = api.post("/api/v1/datasets", {"name": "jl", "file": upload("d.jsonl", good)}, format="multipart")
    assert r.status_code == 201, r.content
    items = api.get(f"/api/v1/datasets/{r.json()['id']}/versions/1").json()["body"]["items"]
    assert items == [{"id": "a", "input": "x"}, {"id": "2", "input": "ünï", "expected": {"k": [1]}}]
    bad = '{"input": 1}\n{"input": 2}\n\n\n\n\n{oops\n{"expected": 3}\n'
    r = api.post(f"/api/v1/datasets/{r.json()['id']}/items", {"file": upload("d.jsonl", bad)}, format="multipart")
    assert r.status_code == 422
    assert r.json()["errors"]["file"] == ["line 7: not valid JSON (Expecting property name enclosed in double "
                                          "quotes at column 2)", "line 8: 'input' is required"]


def test_duplicate_ids_in_a_file_and_not_utf8(api):
    r = api.post("/api/v1/datasets", {"name": "d", "file": upload("d.jsonl", '{"id":"a","input":1}\n'
                                                                            '{"id":"a","input":2}\n')},
                 format="multipart")
    assert r.status_code == 422 and r.json()["errors"]["file"] == ["line 2: duplicate id 'a' (first on line 1)"]
    r = api.post("/api/v1/datasets", {"name": "e", "file": upload("d.csv", b"input\nok\n\xff\xfe\n")},
                 format="multipart")
    assert r.status_code == 422 and r.json()["errors"]["file"][0].startswith("line 3: not valid UTF-8")


def test_bad_items_and_limits(api, monkeypatch):
    r = api.post("/api/v1/datasets", {"name": "x", "items": [{"input": 1, "colour": "red"}, {"expected": 2}]},
                 format="json")
    assert r.status_code == 422
    assert r.json()["errors"]["items"] == ["items[0]: unknown keys: colour (known: id, input, expected, metadata, "
                                           "tags, split)", "items[1]: 'input' is required"]
    from evals import dataset_items

    monkeypatch.setattr(dataset_items, "MAX_ITEMS", 2)
    r = api.post("/api/v1/datasets", {"name": "y", "items": [{"input": i} for i in range(3)]}, format="json")
    assert r.status_code == 422 and "at most 2 items" in r.json()["errors"]["items"][0]
    assert api.get("/api/v1/datasets").json()["data"] == []


def test_datasets_of_another_project_are_not_found(api, other_project):
    other = client_for(make_key(other_project))
    ds = other.post("/api/v1/datasets", {"name": "theirs", "items": [{"input": 1}]}, format="json").json()
    assert api.get(f"/api/v1/datasets/{ds['id']}").status_code == 404
    assert api.post(f"/api/v1/datasets/{ds['id']}/items", {"items": [{"input": 2}]},
                    format="json").status_code == 404


def test_from_runs_takes_input_and_output(api, project, other_project):
    from runs.models import Run
    from tests.runs.factories import scripted_agent

    agent, version = scripted_agent(project)
    run = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version,
                             input={"message": "hi"}, output={"text": "hello"}, status="succeeded")
    queued = Run.objects.create(project=project, kind="agent", agent=agent, agent_version=version, input={})
    other_agent, other_version = scripted_agent(other_project)
    theirs = Run.objects.create(project=other_project, kind="agent", agent=other_agent, agent_version=other_version,
                                input={}, status="succeeded")
    ds = api.post("/api/v1/datasets", {"name": "from-runs"}, format="json").json()
    r = api.post(f"/api/v1/datasets/{ds['id']}/items", {"from_runs": [run.id]}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["body"]["items"] == [{"id": run.id, "input": {"message": "hi"}, "expected": {"text": "hello"},
                                          "metadata": {"source_run": run.id, "target": "helper"}}]
    r = api.post(f"/api/v1/datasets/{ds['id']}/items", {"from_runs": [run.id, theirs.id]}, format="json")
    assert r.status_code == 404 and r.json()["errors"]["from_runs"] == [f"from_runs[1]: run {theirs.id!r} not found"]
    r = api.post(f"/api/v1/datasets/{ds['id']}/items", {"from_runs": [queued.id]}, format="json")
    assert r.status_code == 422 and "queued, not succeeded" in r.json()["errors"]["from_runs"][0]
    assert api.get(f"/api/v1/datasets/{ds['id']}").json()["latest_version"] == 1


def test_versions_are_immutable(api):
    from evals.models import DatasetVersion

    ds = api.post("/api/v1/datasets", {"name": "imm", "items": [{"input": 1}]}, format="json").json()
    api.post(f"/api/v1/datasets/{ds['id']}/items", {"items": [{"input": 2}]}, format="json")
    first = DatasetVersion.objects.get(dataset_id=ds["id"], number=1)
    assert first.items == [{"id": "1", "input": 1}]
