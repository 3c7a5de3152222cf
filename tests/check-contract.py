#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""data/api/CONTRACT.md agrees with the schema and with openapi.yaml.

Usage: check-contract.py WORKERS-HOME-SERVER CONTRACT.md openapi.yaml (TAP output)

/contract/fields: the field tables between the fields markers are exactly what
`workers-home-server --print-fields` generates from src/core/wh-schema.c.
The others check that openapi.yaml restates the same endpoints, error codes
and document fields as CONTRACT.md.
"""
import difflib
import re
import subprocess
import sys

DOCUMENT_SCHEMAS = {
    "vouchers": "Voucher",
    "me": "Me",
    "progress": "Progress",
    "quiz_attempts": "QuizAttempt",
    "bookmarks": "Bookmark",
    "station_reports": "StationReport",
}

results = []


def report(name, ok, detail=""):
    results.append((name, ok, detail))


def strip_blank(text):
    return "\n".join(text.strip("\n").splitlines())


def field_tables(text):
    """{collection: [(field, flags)]} from '### name' headed markdown tables."""
    tables = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"### (\w+)", line)
        if m:
            current = tables.setdefault(m.group(1), [])
            continue
        m = re.match(r"\| `(\w+)` \| [^|]+ \| (\w*) \|", line)
        if m and current is not None:
            current.append((m.group(1), m.group(2)))
    return tables


def main():
    server, contract_path, openapi_path = sys.argv[1:4]
    contract = open(contract_path, encoding="utf-8").read()

    m = re.search(r"<!-- fields:begin -->\n(.*?)<!-- fields:end -->", contract, re.S)
    printed = subprocess.run([server, "--print-fields"], check=True, capture_output=True,
                             text=True).stdout
    if m is None:
        report("/contract/fields", False, "no fields:begin/end markers in CONTRACT.md")
    else:
        ours, generated = strip_blank(m.group(1)), strip_blank(printed)
        diff = difflib.unified_diff(ours.splitlines(), generated.splitlines(), "CONTRACT.md",
                                    "--print-fields", lineterm="", n=1)
        report("/contract/fields", ours == generated,
               "CONTRACT.md differs from --print-fields; regenerate the section:\n"
               + "\n".join(diff))

    try:
        import yaml
    except ImportError:
        for name in ("/contract/openapi/endpoints", "/contract/openapi/error-codes",
                     "/contract/openapi/documents"):
            results.append((name, None, "python3-yaml is not installed"))
        return finish()

    api = yaml.safe_load(open(openapi_path, encoding="utf-8"))

    in_contract = set(re.findall(r"`(GET|POST|PUT|DELETE) /api/v1(/[^`\s?]*)", contract))
    in_openapi = {(method.upper(), path) for path, ops in api["paths"].items() for method in ops}
    report("/contract/openapi/endpoints", in_contract == in_openapi,
           "only in CONTRACT.md: %s; only in openapi.yaml: %s"
           % (sorted(in_contract - in_openapi), sorted(in_openapi - in_contract)))

    codes = set(re.findall(r"^\| \d{3} \| `(\w+)` \|", contract, re.M))
    enum = set(api["components"]["schemas"]["ErrorCode"]["enum"])
    report("/contract/openapi/error-codes", codes == enum and len(codes) > 0,
           "only in CONTRACT.md: %s; only in openapi.yaml: %s"
           % (sorted(codes - enum), sorted(enum - codes)))

    tables = field_tables(printed)
    problems = []
    for collection, schema_name in DOCUMENT_SCHEMAS.items():
        schema = api["components"]["schemas"].get(schema_name)
        fields = tables.get(collection)
        if schema is None or fields is None:
            problems.append("%s/%s missing" % (collection, schema_name))
            continue
        names = [f for f, _ in fields]
        required = sorted(f for f, flags in fields if "R" in flags)
        if list(schema["properties"]) != names:
            problems.append("%s properties %s != %s" % (schema_name, list(schema["properties"]),
                                                        names))
        if sorted(schema.get("required", [])) != required:
            problems.append("%s required %s != %s" % (schema_name, schema.get("required"),
                                                      required))
    report("/contract/openapi/documents", not problems, "; ".join(problems))
    return finish()


def finish():
    print("TAP version 13")
    print("1..%d" % len(results))
    failed = False
    for i, (name, ok, detail) in enumerate(results, 1):
        if ok is None:
            print("ok %d %s # SKIP %s" % (i, name, detail))
        elif ok:
            print("ok %d %s" % (i, name))
        else:
            print("not ok %d %s" % (i, name))
            for line in detail.splitlines():
                print("# " + line)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
