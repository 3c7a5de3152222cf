#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""data/api/CONTRACT.md agrees with the schema, openapi.yaml with both, and
openapi.yaml lists every status the reference server gives.

Usage: check-contract.py WORKERS-HOME-SERVER CONTRACT.md openapi.yaml SERVER-SOURCE-DIR
       SOUP-STATUS-H (TAP output)

/contract/fields: the field tables between the fields markers are exactly what
`workers-home-server --print-fields` generates from src/core/wh-schema.c.
/contract/openapi/endpoints, error-codes and documents check that openapi.yaml
restates the same endpoints, error codes and document fields as CONTRACT.md.
/contract/openapi/statuses reads src/server: each operation lists exactly the
statuses its handler can give, and those every request can get.
"""
import difflib
import glob
import os
import re
import subprocess
import sys

# Statuses libsoup gives by itself to a request it cannot read, before the
# server sees it (src/server/wh-server-http.c): any operation can get them.
LIBSOUP_STATUSES = {400, 417, 501, 505}
# What the dispatcher gives when no operation matched: never an operation's.
ROUTE_MISS_STATUSES = {404, 405}
# What libsoup gives by itself for a Range to a function that answers a
# complete 200 and says "Accept-Ranges: bytes": 206, or 416 past the end.
RANGE_STATUSES = {206, 416}
# Functions that give the response their second argument as its status.
STATUS_SETTERS = ("wh_server_respond_error", "wh_server_respond_json", "wh_server_respond_retry",
                  "soup_server_message_set_status", "outcome_error")

DOCUMENT_SCHEMAS = {
    "vouchers": "Voucher",
    "me": "Me",
    "progress": "Progress",
    "quiz_attempts": "QuizAttempt",
    "question_reviews": "QuestionReview",
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


def synced_collections(printed):
    """The collections with a changes feed: the tables not marked (document)."""
    return re.findall(r"^### (\w+)$", printed, re.M)


class ServerSource:
    """The statuses each function of src/server/wh-server*.c can give, itself
    or through the functions it calls; GNU style (a function's name at the
    start of a line, its body between a '{' and a '}' alone on lines)."""

    def __init__(self, source_dir, soup_status_h):
        text = open(soup_status_h, encoding="utf-8").read()
        self.names = {m.group(1): int(m.group(2))
                      for m in re.finditer(r"\b(SOUP_STATUS_\w+)\s*=\s*(\d+)", text)}
        text = open(os.path.join(source_dir, "wh-server-private.h"), encoding="utf-8").read()
        self.names.update({m.group(1): int(m.group(2))
                           for m in re.finditer(r"#define (WH_STATUS_\w+)\s+(\d+)", text)})
        self.functions = {}
        for path in sorted(glob.glob(os.path.join(source_dir, "wh-server*.c"))):
            text = open(path, encoding="utf-8").read()
            for m in re.finditer(r"^([a-z_][a-z0-9_]*) \([^;{]*?\)\n\{\n(.*?)^\}", text,
                                 re.M | re.S):
                self.functions[m.group(1)] = m.group(2)
        text = open(os.path.join(source_dir, "wh-server.c"), encoding="utf-8").read()
        self.routes = re.findall(r'\{ "(\w+)", "([^"]+)", (\w+),', text)
        self.memo = {}

    def status(self, token):
        return int(token) if token.isdigit() else self.names[token]

    def direct(self, body):
        token = r"(SOUP_STATUS_\w+|WH_STATUS_\w+|\d{3})\b"
        found = set()
        for t in re.findall(r"(?:%s) \(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*%s"
                            % ("|".join(STATUS_SETTERS), token), body):
            found.add(self.status(t))
        for t in re.findall(r"(?:->|\.)status = " + token, body):
            found.add(self.status(t))
        if '"Accept-Ranges", "bytes"' in body:
            found |= RANGE_STATUSES
        return found

    def statuses(self, name, stack=()):
        if name in self.memo:
            return self.memo[name]
        body = self.functions[name]
        found = self.direct(body)
        # Calls, and signal handlers connected (they run as part of it).
        callees = set(re.findall(r"\b([a-z_][a-z0-9_]*) \(", body))
        callees |= set(re.findall(r"G_CALLBACK \((\w+)\)", body))
        for callee in callees:
            if callee in self.functions and callee not in stack and callee != name:
                found |= self.statuses(callee, stack + (name,))
        self.memo[name] = found
        return found


def route_paths(pattern, paths, collections):
    """The openapi paths a route pattern of wh-server.c serves."""
    parts = pattern.split("/")
    matched = []
    for path in paths:
        segments = path.strip("/").split("/")
        if len(segments) != len(parts):
            continue
        ok = True
        for part, segment in zip(parts, segments):
            if part == "{collection}":
                ok = segment in collections
            elif part in ("*", "**"):
                ok = re.fullmatch(r"\{\w+\}", segment) is not None
            else:
                ok = part == segment
            if not ok:
                break
        if ok:
            matched.append(path)
    return matched


def check_statuses(api, source, collections):
    problems = []
    # What every request passes: the start of a message, the early handler
    # once its headers are read, the dispatcher.
    every = (source.statuses("request_started_cb") | source.statuses("early_handler_cb")
             | source.statuses("handler_cb") | LIBSOUP_STATUSES) - ROUTE_MISS_STATUSES
    covered = set()
    for method, pattern, handler in source.routes:
        paths = route_paths(pattern, api["paths"], collections)
        if not paths:
            problems.append("route %s %s is in no path of openapi.yaml" % (method, pattern))
        want = source.statuses(handler) | every
        for path in paths:
            op = api["paths"][path].get(method.lower())
            if op is None:
                problems.append("%s %s is not in openapi.yaml" % (method, path))
                continue
            covered.add((method.lower(), path))
            listed = {int(s) for s in op["responses"]}
            if want - listed:
                problems.append("%s %s: openapi.yaml does not list %s, which the server gives"
                                % (method, path, sorted(want - listed)))
            if listed - want:
                problems.append("%s %s: openapi.yaml lists %s, which the server never gives"
                                % (method, path, sorted(listed - want)))
    for path, ops in api["paths"].items():
        for method in ops:
            if (method, path) not in covered:
                problems.append("%s %s has no route in wh-server.c" % (method.upper(), path))
    return problems


def main():
    server, contract_path, openapi_path, source_dir, soup_status_h = sys.argv[1:6]
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

    # python3-yaml comes with tools/install-deps --test: missing, it fails.
    import yaml

    api = yaml.safe_load(open(openapi_path, encoding="utf-8"))

    collections = synced_collections(printed)
    in_contract = set()
    for method, path in re.findall(r"`(GET|POST|PUT|DELETE) /api/v1(/[^`\s?]*)", contract):
        if "{collection}" in path:
            in_contract |= {(method, path.replace("{collection}", c)) for c in collections}
        else:
            in_contract.add((method, path))
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

    problems = check_statuses(api, ServerSource(source_dir, soup_status_h), collections)
    report("/contract/openapi/statuses", not problems, "\n".join(problems))
    return finish()


def finish():
    print("TAP version 13")
    print("1..%d" % len(results))
    failed = False
    for i, (name, ok, detail) in enumerate(results, 1):
        if ok:
            print("ok %d %s" % (i, name))
        else:
            print("not ok %d %s" % (i, name))
            for line in detail.splitlines():
                print("# " + line)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
