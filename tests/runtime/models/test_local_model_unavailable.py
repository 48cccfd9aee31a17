"""Without llama-cpp-python the local model fails with a message that says what to do."""
from __future__ import annotations

import sys

import pytest

from runtime.errors import ModelUnavailable
from runtime.models.base import Message, ModelRequest
from runtime.models.router import ModelRouter


def test_local_model_without_llama_cpp_says_what_to_install_or_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail, as when not installed

    with pytest.raises(ModelUnavailable) as caught:
        ModelRouter().resolve("local/default")

    assert "pip install -r requirements-local.txt" in caught.value.message
    assert "OPENAI_API_KEY" in caught.value.message


def test_an_unavailable_local_model_falls_back_to_the_next_ref(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    router = ModelRouter({"scripted": {"backup": [{"text": "backup answer"}]}})

    routed = router.complete_with_fallbacks(["local/default", "scripted/backup"],
                                            ModelRequest(model="", messages=[Message("user", "hi")]))

    assert routed.ref == "scripted/backup" and routed.response.text == "backup answer"
