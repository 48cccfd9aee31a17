"""Tools, knowledge bases and documents, datasets, evals, traces and secrets through the SDK."""
from __future__ import annotations

import pytest
from factories import scripted_agent, unique

from agent_platform_sdk import Client, ConflictError, NotFoundError


def test_tools_builtins_invoke_and_custom_tool_versions(client: Client) -> None:
    builtins = {tool.name for tool in client.tools.list(kind="builtin")}
    assert {"http", "kv", "code", "retrieval"} <= builtins
    key = unique("k")
    assert client.tools.invoke("kv", input={"op": "set", "key": key, "value": "v1"}).tool == "kv"
    got = client.tools.invoke("kv", input={"op": "get", "key": key})
    assert got.output["value"] == "v1" and got.latency_ms >= 0

    name = unique("tool").replace("-", "_")
    tool = client.tools.create(name=name, kind="http", description="echo service", body={
        "method": "POST", "url": "https://example.invalid/echo",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}})
    assert (tool.name, tool.kind, tool.builtin, tool.latest_version) == (name, "http", False, 1)
    assert client.tools.get(tool.id).id == tool.id
    assert client.tools.update(tool.id, description="renamed").description == "renamed"
    v2 = client.tools.create_version(tool.id, body={"method": "GET", "url": "https://example.invalid/echo2"})
    assert v2.number == 2 and client.tools.get_version(tool.id, 2).body["url"].endswith("/echo2")
    assert [v.number for v in client.tools.list_versions(tool.id)] == [2, 1]
    client.tools.delete(tool.id)
    with pytest.raises(NotFoundError):
        client.tools.get(tool.id)


@pytest.mark.slow
def test_knowledge_base_documents_and_query(client: Client) -> None:
    kb = client.knowledge_bases.create(name=unique("kb"), description="sdk")
    assert kb.document_count == 0 and kb.dimensions > 0
    doc = client.knowledge_bases.documents.create(
        kb.id, name="tea.md", text="Green tea is steeped at 80 degrees for two minutes.", metadata={"topic": "tea"})
    assert doc.status in ("queued", "processing", "ready")
    uploaded = client.knowledge_bases.documents.upload(
        kb.id, file=b"Coffee is brewed at 93 degrees.", filename="coffee.txt", content_type="text/plain",
        metadata={"topic": "coffee"})
    for document in (doc, uploaded):
        settled = client.knowledge_bases.documents.wait_until_settled(kb.id, document.id, wait_timeout=120)
        assert settled.status == "ready", settled.error
    assert {d.name for d in client.knowledge_bases.documents.list(kb.id)} == {"tea.md", "coffee.txt"}
    # the first query may load the embedding model in the server: a longer per-call timeout
    hits = client.knowledge_bases.query(kb.id, query="how hot for green tea?", top_k=1, timeout=180).data
    assert hits and hits[0].document_name == "tea.md" and hits[0].metadata.get("topic") == "tea"
    filtered = client.knowledge_bases.query(kb.id, query="degrees", filter={"topic": "coffee"}).data
    assert [h.document_name for h in filtered] == ["coffee.txt"]
    client.knowledge_bases.documents.delete(kb.id, uploaded.id)
    assert client.knowledge_bases.get(kb.id).document_count == 1
    assert client.knowledge_bases.update(kb.id, description="changed").description == "changed"
    client.knowledge_bases.delete(kb.id)
    with pytest.raises(NotFoundError):
        client.knowledge_bases.get(kb.id)


def test_datasets_versions_and_an_eval(client: Client) -> None:
    agent = scripted_agent(client)
    dataset = client.datasets.create(name=unique("ds"), items=[
        {"input": {"message": "a"}, "expected": "echo: a"},
        {"input": {"message": "b"}, "expected": "echo: b", "tags": ["b"]}])
    assert dataset.items == 2 and dataset.latest_version == 1
    v2 = client.datasets.add_items(dataset.id, items=[{"input": {"message": "c"}, "expected": "echo: c"}])
    assert v2.number == 2
    assert [v.number for v in client.datasets.list_versions(dataset.id)] == [2, 1]
    assert len(client.datasets.get_version(dataset.id, 2).body["items"]) == 3
    assert client.datasets.update(dataset.id, description="three items").description == "three items"
    assert dataset.id in {d.id for d in client.datasets.list()}

    created = client.evals.create(dataset=dataset.id, target={"agent": agent}, metrics=[{"type": "exact"}],
                                  thresholds=["pass_rate(exact) >= 1"])
    assert created.status in ("queued", "running")
    report = client.evals.wait(created.id, wait_timeout=120)
    assert report.status == "succeeded", report.error
    assert report.passed is True and report.summary["exact"]["pass_rate"] == 1
    items = list(client.evals.items(report.id, limit=2))
    assert len(items) == 3 and all(item.passed for item in items)
    assert created.id in {e.id for e in client.evals.list(dataset=dataset.id)}
    assert "exact" in client.evals.report(report.id, format="markdown")
    with pytest.raises(ConflictError) as pinned:  # the eval pins its versions
        client.datasets.delete(dataset.id)
    assert pinned.value.status == 409
    spare = client.datasets.create(name=unique("spare"))
    client.datasets.delete(spare.id)
    with pytest.raises(NotFoundError):
        client.datasets.get(spare.id)


def test_traces_of_a_run(client: Client) -> None:
    agent = scripted_agent(client)
    run = client.runs.create_and_wait(agent=agent, input={"message": "trace me"}, wait_timeout=60)
    trace = client.traces.get(run.id)
    assert trace.run_id == run.id and trace.status == "succeeded"
    kinds = {span.kind for span in trace.spans}
    assert "model" in kinds
    assert {s.id for s in client.traces.spans(run.id)} == {s.id for s in trace.spans}
    summaries = list(client.traces.list(agent=agent))
    assert [s.run_id for s in summaries] == [run.id] and summaries[0].span_count == len(trace.spans)


def test_secrets_are_write_only(client: Client) -> None:
    name = unique("SECRET").upper().replace("-", "_")
    secret = client.secrets.create(name=name, value="s3cr3t-value", description="sdk",
                                   allowed_hosts=["api.example.com"])
    assert secret.name == name and "s3cr3t-value" not in secret.model_dump_json()
    assert client.secrets.get(name).allowed_hosts == ["api.example.com"]
    assert name in {s.name for s in client.secrets.list()}
    rotated = client.secrets.update(name, value="rotated", description="rotated")
    assert rotated.description == "rotated" and "rotated" not in str(rotated.model_extra)
    client.secrets.delete(name)
    with pytest.raises(NotFoundError):
        client.secrets.get(name)
