#!/usr/bin/env python3
"""Independent check of the form schemas and their fixtures.

For every schemas/<kind>/v<N>.json:
  - it is a valid draft 2020-12 schema (Draft202012Validator.check_schema);
  - "$schema" is the 2020-12 URI and "$id" is urn:renkei:schema:<kind>:v<N>;
  - house conventions: additionalProperties false on every object, a title on every
    property and $defs entry, snake_case property keys, only local "#/$defs/..." refs;
  - for v1, the JSON pointers the Rust code reads exist with the agreed types.
For every tests/fixtures/<kind>_v<N>_<name>.json:
  - it validates against its schema, with format checking;
  - a *_full fixture contains every property of the schema, a *_minimal one only required ones.
From each schema's first fixture, broken copies are made (a required property removed, an
enum value replaced by "不正な値", a date set to "2026-02-30"); each must be REJECTED.

Run from anywhere (paths are relative to this file):
    python3 tests/schemas/check_schemas.py
Needs Python 3.9+ and the `jsonschema` package. Exits 1 on any failure.
"""
import copy
import datetime
import json
import re
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
except ImportError:
    sys.exit("check_schemas: the `jsonschema` package is missing (pip install jsonschema)")

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "schemas"
FIXTURE_DIR = ROOT / "tests" / "fixtures"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = re.compile(r"^v([1-9][0-9]*)\.json$")
FIXTURE_FILE = re.compile(r"^([a-z][a-z0-9_]*)_v([1-9][0-9]*)_([A-Za-z0-9_-]+)\.json$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
INVALID_ENUM = "不正な値"
INVALID_DATE = "2026-02-30"

TEXT = {"type": "string"}
ARRAY = {"type": "array"}
DATE = {"type": "string", "format": "date"}
STAFF = ["医師", "看護師", "退院調整看護師", "医療ソーシャルワーカー(MSW)", "理学療法士", "作業療法士", "言語聴覚士",
         "薬剤師", "管理栄養士", "事務職員", "その他"]
DATE_TIME = {"type": "string", "format": "date-time"}
CARE_LEVELS = ["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5",
               "申請中", "区分変更", "未申請"]
# Instance pointers the Rust code reads: pointer -> (expected keywords, required?).
CONTRACT = {
    ("admission_info", 1): {
        "/header/written_on": (DATE, True),
        "/header/admission_date": (DATE, True),
        "/header/provided_on": (DATE, False),
        "/header/hospital/name": ({"type": "string"}, True),
        "/header/hospital/contact_person": ({"type": "string"}, False),
        "/header/care_office/name": ({"type": "string"}, True),
        "/header/care_office/care_manager_name": ({"type": "string"}, True),
        "/header/care_office/phone": ({"type": "string"}, True),
        "/header/care_office/fax": ({"type": "string"}, False),
        "/patient/name": ({"type": "string"}, True),
        "/patient/name_kana": ({"type": "string"}, True),
        "/patient/sex": ({"type": "string", "enum": ["男", "女"]}, True),
        "/patient/birth_date": (DATE, True),
        "/patient/age": ({"type": "integer"}, False),
        "/care_insurance/care_level": ({"type": "string", "enum": CARE_LEVELS}, True),
        "/care_insurance/valid_from": (DATE, False),
        "/care_insurance/valid_to": (DATE, False),
        "/care_insurance/application_date": (DATE, False),
    },
    ("discharge_notice", 1): {
        "/planned_discharge_date": (DATE, True),
        "/destination": ({"type": "string", "enum": ["自宅", "介護施設等", "転院", "その他"]}, True),
        "/destination_detail": ({"type": "string"}, False),
        "/criteria": ({"type": "array"}, True),
        "/caution_items": ({"type": "array"}, False),
        "/conference/proposed": ({"type": "boolean"}, False),
        "/conference/candidates": ({"type": "array"}, False),
        "/contact_person/name": ({"type": "string"}, True),
        "/contact_person/phone": ({"type": "string"}, True),
    },
    ("admission_notice", 1): {
        "/admission_date": (DATE, True),
        "/admitted_at": (DATE_TIME, False),
        "/admission_type": ({"type": "string", "enum": ["予定入院", "緊急入院", "レスパイト入院"]}, False),
        "/patient/name": (TEXT, True),
        "/patient/name_kana": (TEXT, True),
        "/patient/sex": ({"type": "string", "enum": ["男", "女"]}, True),
        "/patient/birth_date": (DATE, True),
        "/patient/age": ({"type": "integer"}, False),
        "/ward": (TEXT, True),
        "/room": (TEXT, False),
        "/care_manager": ({"type": "string", "enum": ["あり", "なし・不明"]}, True),
        "/no_care_manager/reason": ({"type": "string", "enum": [
            "介護保険未申請", "担当ケアマネジャー不明", "要支援(地域包括支援センター担当)", "新規に介護サービスが必要", "その他"]}, False),
        "/info_request": ({"type": "string", "enum": ["依頼する", "受領済み", "依頼しない"]}, True),
        "/planned_discharge_date": (DATE, False),
        "/contact_person/name": (TEXT, True),
        "/contact_person/phone": (TEXT, True),
    },
    ("discharge_record", 1): {
        "/header/written_on": (DATE, True),
        "/header/admission_date": (DATE, True),
        "/header/planned_discharge_date": (DATE, False),
        "/patient/name": (TEXT, True),
        "/care_level_at_discharge": ({"type": "string", "enum": [
            "要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5", "申請中", "なし"]}, True),
        "/interviews": ({"type": "array", "minItems": 1, "maxItems": 10}, True),
        "/interviews/*/interviewed_on": (DATE, True),
        "/interviews/*/method": ({"type": "string", "enum": ["面談", "電話", "オンライン", "カンファレンス"]}, True),
        "/interviews/*/counterpart_role": ({"type": "string", "enum": STAFF}, True),
    },
    ("discharge_referral", 1): {
        "/header/written_on": (DATE, True),
        "/header/admission_date": (DATE, False),
        "/header/planned_discharge_date": (DATE, False),
        "/header/care_office/name": (TEXT, True),
        "/header/hospital/name": (TEXT, True),
        "/header/hospital/doctor_name": (TEXT, True),
        "/patient/name": (TEXT, True),
        "/patient/name_kana": (TEXT, True),
        "/patient/sex": ({"type": "string", "enum": ["男", "女"]}, True),
        "/patient/birth_date": (DATE, True),
        "/condition/diagnoses": (ARRAY, True),
        "/condition/diagnoses/*/name": (TEXT, True),
    },
    ("discharge_conference", 1): {
        "/stage": ({"type": "string", "enum": ["日程調整中", "日程確定", "開催済"]}, True),
        "/planned_discharge_date": (DATE, False),
        "/proposal/candidates": ({"type": "array", "maxItems": 10}, False),
        "/proposal/mode": ({"type": "string", "enum": ["来院", "オンライン", "来院とオンラインの併用"]}, False),
        "/fixed/starts_at": (DATE_TIME, False),
        "/record/held_at": (DATE_TIME, False),
        "/record/attendees/*/profession": (TEXT, False),
        "/record/attendees/*/name": (TEXT, False),
        "/record/summary": (TEXT, False),
        "/contact_person/name": (TEXT, True),
    },
    ("conference_answer", 1): {
        "/answer": ({"type": "string", "enum": ["出席", "欠席", "別日希望"]}, True),
        "/preferred": ({"type": "array"}, False),
        "/attendance/*/name": (TEXT, False),
        "/respondent/name": (TEXT, True),
    },
}

failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message, file=sys.stderr)


def format_checker():
    checker = Draft202012Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:
        # jsonschema checks date-time only with an optional package: use a stdlib RFC 3339 check.
        rfc3339 = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

        @checker.checks("date-time", raises=ValueError)
        def _is_date_time(value):
            if not isinstance(value, str):
                return True
            m = rfc3339.match(value)
            if not m:
                return False
            offset = "+00:00" if m.group(4) in ("Z", "z") else m.group(4)
            datetime.datetime.fromisoformat(m.group(1) + "T" + m.group(2) + offset)
            return True
    return checker


FORMATS = format_checker()


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{rel(path)}: cannot read JSON: {e}")
        return None


def rel(path):
    return str(Path(path).relative_to(ROOT))


def deref(root, node, where):
    """Follow local $ref chains; returns the target node (sibling keywords are annotations here)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"{where}: $ref {ref!r} is not a local #/$defs/ reference")
        name = ref[len("#/$defs/"):]
        if name not in root.get("$defs", {}):
            raise ValueError(f"{where}: $ref {ref!r} does not resolve")
        node = root["$defs"][name]
        seen += 1
        if seen > 20:
            raise ValueError(f"{where}: $ref loop")
    return node


# ---------------------------------------------------------------- conventions
def check_conventions(name, root):
    def visit(node, where, in_condition):
        if isinstance(node, list):
            for i, item in enumerate(node):
                visit(item, f"{where}/{i}", in_condition)
            return
        if not isinstance(node, dict):
            return
        if "$ref" in node:
            try:
                deref(root, node, where)
            except ValueError as e:
                fail(f"{name}: {e}")
        if not in_condition and node.get("type") == "object":
            if node.get("additionalProperties") is not False:
                fail(f"{name}: {where or '/'}: object without \"additionalProperties\": false")
        for key, value in node.items():
            child = f"{where}/{key}"
            if key in ("properties", "$defs") and isinstance(value, dict):
                for prop, sub in value.items():
                    if not in_condition:
                        if key == "properties" and not SNAKE.match(prop):
                            fail(f"{name}: {child}/{prop}: property key is not snake_case")
                        if not (isinstance(sub, dict) and isinstance(sub.get("title"), str) and sub["title"].strip()):
                            fail(f"{name}: {child}/{prop}: missing title")
                    visit(sub, f"{child}/{prop}", in_condition)
            elif key in ("if", "then", "else"):
                visit(value, child, True)
            elif key in ("enum", "const", "required", "examples", "default"):
                continue
            else:
                visit(value, child, in_condition)

    visit(root, "", False)


def schema_at(root, pointer):
    """The schema node at an instance pointer ("*" = any item of an array) and the
    (object node, property) pairs on the way, for the required checks."""
    node = deref(root, root, "/")
    parents = []
    for part in pointer.strip("/").split("/"):
        if part == "*":
            if not isinstance(node.get("items"), dict):
                return None, parents
            node = deref(root, node["items"], pointer)
            continue
        props = node.get("properties", {})
        if part not in props:
            return None, parents
        parents.append((node, part))
        node = deref(root, props[part], pointer)
    return node, parents


def check_contract(name, kind, version, root):
    for pointer, (expected, required) in CONTRACT.get((kind, version), {}).items():
        node, parents = schema_at(root, pointer)
        if node is None:
            fail(f"{name}: contract pointer {pointer} is missing")
            continue
        for keyword, value in expected.items():
            if node.get(keyword) != value:
                fail(f"{name}: contract pointer {pointer}: expected {keyword}={value!r}, found {node.get(keyword)!r}")
        if required:
            for parent, part in parents:
                if part not in parent.get("required", []):
                    fail(f"{name}: contract pointer {pointer}: {part!r} must be required")
    if (kind, version) == ("discharge_notice", 1):
        node, _ = schema_at(root, "/conference/candidates")
        if node and node.get("items", {}).get("format") != "date-time":
            fail(f"{name}: /conference/candidates items must have format date-time")


# ---------------------------------------------------------------- fixtures
def schema_paths(root, node, path, depth=0):
    node = deref(root, node, path or "/")
    if depth > 30:
        return set()
    paths = set()
    for prop, sub in node.get("properties", {}).items():
        p = f"{path}/{prop}"
        paths.add(p)
        paths |= schema_paths(root, sub, p, depth + 1)
    if isinstance(node.get("items"), dict):
        paths |= schema_paths(root, node["items"], f"{path}/[]", depth + 1)
    return paths


def walk(root, node, instance, path=""):
    """Yield (instance path as list, resolved schema node, value) in document order."""
    node = deref(root, node, path or "/")
    yield [], node, instance
    if isinstance(instance, dict):
        props = node.get("properties", {})
        for key, value in instance.items():
            if key in props:
                for sub_path, sub_node, sub_value in walk(root, props[key], value, f"{path}/{key}"):
                    yield [key] + sub_path, sub_node, sub_value
    elif isinstance(instance, list) and isinstance(node.get("items"), dict):
        for i, value in enumerate(instance):
            for sub_path, sub_node, sub_value in walk(root, node["items"], value, f"{path}/{i}"):
                yield [i] + sub_path, sub_node, sub_value


def pointer_of(parts):
    return "/" + "/".join(str(p) for p in parts) if parts else "/"


def all_errors(errors):
    for e in errors:
        yield e
        yield from all_errors(e.context)


def check_fixture(path, root, validator):
    instance = load(path)
    if instance is None:
        return None
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    for e in errors:
        fail(f"{rel(path)}: invalid at {pointer_of(list(e.absolute_path))}: {e.message}")
    if errors:
        return None
    stem = path.stem
    if stem.endswith("_full"):
        present = set()
        for parts, _, _ in walk(root, root, instance):
            if parts:
                present.add("/" + "/".join("[]" if isinstance(p, int) else p for p in parts))
        missing = sorted(schema_paths(root, root, "") - present)
        for p in missing:
            fail(f"{rel(path)}: a *_full fixture must contain every property; missing {p}")
    if stem.endswith("_minimal"):
        for parts, node, value in walk(root, root, instance):
            if isinstance(value, dict):
                extra = sorted(set(value) - set(node.get("required", [])))
                if extra:
                    fail(f"{rel(path)}: a *_minimal fixture holds only required properties; "
                         f"not required at {pointer_of(parts)}: {', '.join(extra)}")
    return instance


def set_at(instance, parts, value=None, delete=False):
    target = instance
    for p in parts[:-1]:
        target = target[p]
    if delete:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


def broken_copies(root, instance):
    """(description, broken instance, expected keyword) for the three kinds of breakage."""
    nodes = list(walk(root, root, instance))
    copies = []
    # 1. a required property removed: the first nested object with a required property, else top level
    candidates = [(p, n, v) for p, n, v in nodes if isinstance(v, dict) and n.get("required")
                  and n["required"][0] in v]
    nested = [c for c in candidates if c[0]] or candidates
    if nested:
        parts, node, _ = nested[0]
        target = parts + [node["required"][0]]
        broken = copy.deepcopy(instance)
        set_at(broken, target, delete=True)
        copies.append((f"required property {pointer_of(target)} removed", broken, "required"))
    # 2. an enum value replaced
    for parts, node, value in nodes:
        if parts and isinstance(value, str) and "enum" in node:
            broken = copy.deepcopy(instance)
            set_at(broken, parts, INVALID_ENUM)
            copies.append((f"{pointer_of(parts)} = {INVALID_ENUM!r}", broken, "enum"))
            break
    # 3. an impossible date (or the date of a date and time, for a form without plain dates)
    impossible = {"date": INVALID_DATE, "date-time": INVALID_DATE + "T10:00:00+09:00"}
    dated = [(p, n, v) for p, n, v in nodes if p and isinstance(v, str) and n.get("format") in impossible]
    dated.sort(key=lambda d: d[1].get("format") != "date")
    for parts, node, value in dated[:1]:
        broken = copy.deepcopy(instance)
        wrong = impossible[node["format"]]
        set_at(broken, parts, wrong)
        copies.append((f"{pointer_of(parts)} = {wrong!r}", broken, "format"))
    return copies


# Schemas that are not forms: the handbook rule sets' schema (checked against the published rule
# sets) and the survey result's schema (checked against example results).
NOT_FORMS = ("handbook", "survey")


def check_not_forms(others):
    checked = 0
    for (kind, version), validator in sorted(others.items()):
        if kind == "handbook":
            instances = sorted((SCHEMA_DIR / "handbook" / "rules").glob("*.json"))
        else:
            instances = sorted(FIXTURE_DIR.glob(f"{kind}_v{version}_*.json"))
        if not instances:
            fail(f"schemas/{kind}/v{version}.json: nothing to check it against")
        for path in instances:
            instance = load(path)
            errors = [] if instance is None else list(validator.iter_errors(instance))
            for e in errors:
                fail(f"{rel(path)}: {e.message} at {pointer_of(list(e.absolute_path))}")
            checked += 1
    return checked


# ---------------------------------------------------------------- main
def main():
    schemas = {}
    others = {}
    for path in sorted(SCHEMA_DIR.glob("*/*.json")):
        m = SCHEMA_FILE.match(path.name)
        if not m:
            fail(f"{rel(path)}: schema files are named v<N>.json")
            continue
        kind, version = path.parent.name, int(m.group(1))
        root = load(path)
        if root is None:
            continue
        name = rel(path)
        if root.get("$schema") != DRAFT:
            fail(f"{name}: \"$schema\" must be {DRAFT!r}, found {root.get('$schema')!r}")
        expected_id = f"urn:renkei:schema:{kind}:v{version}"
        if root.get("$id") != expected_id:
            fail(f"{name}: \"$id\" must be {expected_id!r}, found {root.get('$id')!r}")
        try:
            Draft202012Validator.check_schema(root)
        except SchemaError as e:
            fail(f"{name}: not a valid draft 2020-12 schema: {e.message} at {pointer_of(list(e.absolute_path))}")
            continue
        if kind in NOT_FORMS:
            others[(kind, version)] = Draft202012Validator(root, format_checker=FORMATS)
            continue
        check_conventions(name, root)
        check_contract(name, kind, version, root)
        schemas[(kind, version)] = (root, Draft202012Validator(root, format_checker=FORMATS))
    if not schemas:
        fail(f"no schema found under {rel(SCHEMA_DIR)}/<kind>/v<N>.json")

    valid = 0
    first_fixture = {}
    for path in sorted(FIXTURE_DIR.glob("*.json")):
        m = FIXTURE_FILE.match(path.name)
        if not m:
            fail(f"{rel(path)}: fixture files are named <kind>_v<N>_<name>.json")
            continue
        key = (m.group(1), int(m.group(2)))
        if key[0] in NOT_FORMS:
            continue
        if key not in schemas:
            fail(f"{rel(path)}: no valid schema schemas/{key[0]}/v{key[1]}.json")
            continue
        root, validator = schemas[key]
        before = len(failures)
        instance = check_fixture(path, root, validator)
        if instance is not None and len(failures) == before:
            valid += 1
            # prefer the fullest fixture as the base of the broken copies
            if key not in first_fixture or path.stem.endswith("_full"):
                first_fixture[key] = (path, instance)

    rejected = 0
    for key, (root, validator) in sorted(schemas.items()):
        if key not in first_fixture:
            fail(f"schemas/{key[0]}/v{key[1]}.json: no valid fixture tests/fixtures/{key[0]}_v{key[1]}_*.json")
            continue
        path, instance = first_fixture[key]
        copies = broken_copies(root, instance)
        if len(copies) < 3:
            fail(f"{rel(path)}: could not make all three broken copies (made {len(copies)})")
        for description, broken, keyword in copies:
            errors = list(all_errors(validator.iter_errors(broken)))
            if not errors:
                fail(f"{rel(path)}: broken copy ACCEPTED: {description}")
            elif not any(e.validator == keyword for e in errors):
                fail(f"{rel(path)}: broken copy ({description}) rejected, but not by {keyword!r}: "
                     f"{errors[0].message}")
            else:
                rejected += 1

    other_instances = check_not_forms(others)
    summary = (f"schemas: {len(schemas) + len(others)} checked, fixtures: {valid} valid, {rejected} broken copies rejected, "
               f"{other_instances} rule sets and survey results valid")
    if failures:
        print(f"{summary}; {len(failures)} FAILURE(S)", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
