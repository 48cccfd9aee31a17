"""The SSRF guard: which addresses and spellings are refused, and what the allow-list opens."""
from __future__ import annotations

import ipaddress

import pytest

from runtime.errors import ToolConnectionError, ToolRefused
from runtime.tools.ssrf import HttpPolicy, check_url, is_public_address, parse_ip_literal


def resolver_for(*addresses: str):
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return list(addresses)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://intranet.example/"])
def test_loopback_by_address_or_name_is_refused(url):
    with pytest.raises(ToolRefused):
        check_url(url, HttpPolicy(), resolver_for("127.0.0.1"))


@pytest.mark.parametrize("host", ["2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001", "017700000001",
                                  "0", "0.0.0.0"])
def test_numeric_spellings_of_loopback_are_refused(host):
    with pytest.raises(ToolRefused) as err:
        check_url(f"http://{host}/", HttpPolicy(), resolver_for("93.184.216.34"))
    assert err.value.details["reason"] == "non_public_address"


@pytest.mark.parametrize("host, expected", [
    ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"),
    ("10.1", "10.0.0.1"), ("example.com", None),
])
def test_numeric_hosts_parse_like_a_resolver_would(host, expected):
    parsed = parse_ip_literal(host)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "169.254.1.1", "224.0.0.1", "0.0.0.0",
    "240.0.0.1", "100.64.0.1", "100.100.100.200", "255.255.255.255",
    "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
    "2002:7f00:1::", "64:ff9b::a00:1", "2001:0:4136:e378:8000:63bf:80ff:fffe",
])
def test_non_public_addresses_are_recognised(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", ["http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]:8080/x", "http://[::1]/",
                                 "http://[fd00:ec2::254]/", "http://169.254.169.254/latest/meta-data/"])
def test_ipv6_and_metadata_literals_are_refused(url):
    with pytest.raises(ToolRefused):
        check_url(url, HttpPolicy(), resolver_for("93.184.216.34"))


def test_metadata_hostname_is_refused_without_resolving():
    resolve = resolver_for("93.184.216.34")
    with pytest.raises(ToolRefused) as err:
        check_url("http://metadata.google.internal/computeMetadata/v1/", HttpPolicy(), resolve)
    assert err.value.details["reason"] == "metadata"
    assert resolve.calls == []


def test_name_resolving_to_a_private_address_is_refused():
    with pytest.raises(ToolRefused) as err:
        check_url("https://internal.example.com/", HttpPolicy(), resolver_for("10.0.0.7"))
    assert "10.0.0.7" in err.value.message


def test_public_name_is_pinned_to_the_checked_address():
    target = check_url("https://api.example.com:8443/v1?x=1", HttpPolicy(), resolver_for("93.184.216.34"))
    assert (str(target.ip), target.hostname, target.port) == ("93.184.216.34", "api.example.com", 8443)
    assert target.host_header == "api.example.com:8443"


def test_first_permitted_address_is_used_when_a_name_has_several():
    target = check_url("http://mixed.example.com/", HttpPolicy(), resolver_for("10.0.0.1", "93.184.216.34"))
    assert str(target.ip) == "93.184.216.34"


def test_allow_list_by_cidr_opens_private_addresses():
    policy = HttpPolicy(allow=("10.0.0.0/8",))
    assert str(check_url("http://10.2.3.4/", policy).ip) == "10.2.3.4"
    with pytest.raises(ToolRefused):
        check_url("http://192.168.0.1/", policy)


def test_allow_list_by_hostname_opens_that_name_only():
    policy = HttpPolicy(allow=("svc.internal",))
    assert str(check_url("http://SVC.internal./", policy, resolver_for("10.9.9.9")).ip) == "10.9.9.9"
    with pytest.raises(ToolRefused):
        check_url("http://other.internal/", policy, resolver_for("10.9.9.9"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://example.com/", "ftp://example.com/", "http:///x",
                                 "http://exa\nmple.com/", "http://[fe80::1%25eth0]/", "http://example.com:99999/"])
def test_malformed_or_non_http_urls_are_refused(url):
    with pytest.raises(ToolRefused):
        check_url(url, HttpPolicy(), resolver_for("93.184.216.34"))


def test_unresolvable_name_is_a_connection_error_not_a_refusal():
    with pytest.raises(ToolConnectionError) as err:
        check_url("http://nothing-here.invalid/", HttpPolicy())
    assert err.value.details["reason"] == "dns"


def test_localhost_name_is_refused_by_what_it_resolves_to():
    with pytest.raises(ToolRefused):
        check_url("http://localhost/", HttpPolicy())
    assert str(check_url("http://localhost/", HttpPolicy(allow=("127.0.0.1",))).ip) == "127.0.0.1"
