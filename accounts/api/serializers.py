from __future__ import annotations

import re

from rest_framework import serializers

from accounts.key_scopes import SCOPES
from accounts.models import ApiKey, Membership, Project, Secret
from accounts.roles import ROLES
from agent_platform.api.serializers import StrictSerializer

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


class ProjectOut(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "slug", "name", "http_allowlist", "settings", "created_at"]


class ProjectIn(StrictSerializer):
    slug = serializers.SlugField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProjectPatch(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    http_allowlist = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                           max_length=100)
    settings = serializers.DictField(required=False)


class MemberOut(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["id", "username", "role", "created_at"]


class MemberIn(StrictSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=ROLES)


class MemberPatch(StrictSerializer):
    role = serializers.ChoiceField(choices=ROLES)


class ApiKeyOut(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "role", "scope", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The API key. Shown only in this response.")

    class Meta(ApiKeyOut.Meta):
        fields = ApiKeyOut.Meta.fields + ["key"]


class ApiKeyIn(StrictSerializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ROLES)
    scope = serializers.ChoiceField(choices=SCOPES, required=False, default="",
                                    help_text="narrower than the role: `read_only` or `runs_only`; empty: the whole role")
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class SecretOut(serializers.ModelSerializer):
    allowed_hosts = serializers.ListField(child=serializers.CharField(), allow_null=True, read_only=True,
                                          help_text="Hosts the value may be sent to; null: unscoped (legacy).")

    class Meta:
        model = Secret
        fields = ["id", "name", "description", "allowed_hosts", "created_at", "updated_at"]


class SecretIn(StrictSerializer):
    name = serializers.RegexField(SECRET_NAME, max_length=128,
                                  error_messages={"invalid": "Use letters, digits and _; start with a letter or _."})
    value = serializers.CharField(max_length=16384, write_only=True, trim_whitespace=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    allowed_hosts = serializers.ListField(
        child=serializers.CharField(max_length=253), required=False, max_length=100,
        help_text="Hosts the value may be sent to: exact names or IPs, or *.domain. Omitted: unscoped "
                  "(refused for tool requests by default, see docs/security.md).")


class SecretPatch(StrictSerializer):
    value = serializers.CharField(max_length=16384, write_only=True, trim_whitespace=False, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    allowed_hosts = serializers.ListField(child=serializers.CharField(max_length=253), required=False,
                                          max_length=100)
