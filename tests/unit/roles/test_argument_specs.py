"""Every role's meta/argument_specs.yml and defaults/main.yml agree: each default is a documented option with the
same default and a type its value has, and each optional option has a default (as prometheus.prometheus checks)."""

from __future__ import annotations

import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"
TYPES = {"str": str, "int": int, "bool": bool, "list": list, "dict": dict, "path": str, "raw": object,
         "float": (int, float)}


def _roles():
    return sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists())


def _load(role):
    specs = yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    defaults_file = ROLES / role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
    return specs, defaults


def test_every_role_has_argument_specs():
    assert set(_roles()) == set(p.name for p in ROLES.iterdir() if p.is_dir())


@pytest.mark.parametrize("role", _roles())
def test_defaults_and_specs_agree(role):
    specs, defaults = _load(role)
    options = specs["main"].get("options") or {}
    assert sorted(set(defaults) - set(options)) == [], "defaults without an option in argument_specs"
    for name, option in options.items():
        assert option.get("description"), "%s has no description" % name
        if option.get("required"):
            assert name not in defaults or defaults[name] in ("", [], {}), "%s is required but has a default" % name
            continue
        assert name in defaults, "%s is optional but has no default in defaults/main.yml" % name
        assert option.get("default") == defaults[name], "%s: spec default %r, defaults/main.yml %r" % (
            name, option.get("default"), defaults[name])
        assert isinstance(defaults[name], TYPES[option.get("type", "str")]), "%s: %r is not %s" % (
            name, defaults[name], option.get("type"))
        if "choices" in option:  # a list option's choices restrict its elements
            values = defaults[name] if isinstance(defaults[name], list) else [defaults[name]]
            assert set(values) <= set(option["choices"]), name


@pytest.mark.parametrize("role", _roles())
def test_public_variables_carry_the_role_name(role):
    specs, defaults = _load(role)
    for name in list(specs["main"].get("options") or {}) + list(defaults):
        assert name.startswith(role + "_"), name
