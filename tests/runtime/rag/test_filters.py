"""Metadata filter grammar: parsing, validation and in-memory evaluation."""
from __future__ import annotations

import pytest

from runtime.errors import InputInvalid
from runtime.rag.filters import Condition, matches, parse_filter

DOC = {"lang": "en", "year": 2022, "tags": ["billing", "faq"], "draft": False, "published": "2022-05-01",
       "author": {"name": "Ada", "team": "docs"}}


def _match(spec: dict) -> bool:
    return matches(DOC, parse_filter(spec))


def test_shorthands_parse_to_eq_and_in():
    assert parse_filter({"lang": "en", "tags": ["a", "b"]}) == [Condition("lang", "eq", "en"),
                                                                 Condition("tags", "in", ("a", "b"))]
    assert parse_filter({"year": {"$gte": 2020}}) == [Condition("year", "gte", 2020)]
    assert parse_filter(None) == []


@pytest.mark.parametrize("spec, expected", [
    ({"lang": "en"}, True), ({"lang": "fr"}, False),
    ({"lang": ["fr", "en"]}, True), ({"lang": {"nin": ["en"]}}, False),
    ({"year": {"gte": 2020, "lt": 2023}}, True), ({"year": {"gt": 2022}}, False),
    ({"published": {"gte": "2022-01-01"}}, True), ({"published": {"lt": "2022-01-01"}}, False),
    ({"tags": "faq"}, True), ({"tags": ["faq", "x"]}, True), ({"tags": "x"}, False),
    ({"tags": {"ne": "faq"}}, False),
    ({"author.name": "Ada"}, True), ({"author.team": {"in": ["eng"]}}, False),
    ({"draft": False}, True), ({"draft": 0}, False),  # JSON false is not 0
    ({"missing": {"exists": False}}, True), ({"lang": {"exists": True}}, True),
    ({"missing": "x"}, False), ({"missing": {"ne": "x"}}, True),
    ({"year": {"gte": "2020"}}, False),  # a string bound never matches a number
    ({"lang": "en", "year": 1999}, False),  # conditions are ANDed
])
def test_conditions_match_like_mongodb(spec, expected):
    assert _match(spec) is expected


@pytest.mark.parametrize("spec", [
    "lang=en", {"bad field!": 1}, {"year": {"between": [1, 2]}}, {"year": {}}, {"tags": {"in": []}},
    {"tags": {"in": "faq"}}, {"lang": {"eq": ["en"]}}, {"year": {"gte": True}}, {"lang": {"exists": "yes"}},
    {"x": {"in": list(range(1001))}},
])
def test_invalid_filters_are_refused_with_input_invalid(spec):
    with pytest.raises(InputInvalid) as info:
        parse_filter(spec)
    assert info.value.details["field"] == "filter"
