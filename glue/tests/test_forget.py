"""glue/forget.py in both modes, without Spark: the script runs as Glue runs it (module level, its
arguments on sys.argv) against a small fake Spark that reads the lake's objects from moto's
in-process S3 (text lines, and "Parquet" files stored as JSON lines for the fake reader).

Checked: --mode export copies exactly the person's lines and rows of every store erasure rewrites
to the request's prefix and changes nothing; --mode erase (the default) rewrites bronze without
them and deletes their earlier access requests, and nobody else's; bad arguments are refused.
"""
import gzip
import json
import pathlib
import re
import runpy
import sys
import types

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "glue" / "forget.py"
LAKE = "c360-lake-forget"
# What src/domain/privacy/erasure.ts builds for a person with user id "ada" and customer c_ada.
PATTERN = r"""(^|[\n"':,=/])(c_ada|ada)($|[\n"',@%&])"""


def _s3():
    return boto3.client("s3", region_name="us-east-1")


def _keys(prefix):
    return sorted(o["Key"] for p in _s3().get_paginator("list_objects_v2").paginate(Bucket=LAKE, Prefix=prefix)
                  for o in p.get("Contents", []))


def _text(key):
    body = _s3().get_object(Bucket=LAKE, Key=key)["Body"].read()
    return (gzip.decompress(body) if key.endswith(".gz") else body).decode()


class Col:
    """A column expression: a name, or a predicate/derived value over a row dict."""

    def __init__(self, fn, name=None):
        self.fn, self.name = fn, name

    def rlike(self, pattern):
        return Col(lambda r: re.search(pattern, self.fn(r) or "") is not None)

    def __invert__(self):
        return Col(lambda r: not self.fn(r))

    def alias(self, name):
        return Col(self.fn, name)


def _functions():
    F = types.ModuleType("pyspark.sql.functions")
    F.col = lambda name: Col(lambda r: r.get(name), name)
    F.input_file_name = lambda: Col(lambda r: r["_file"], "file")
    F.struct = lambda *cols: Col(lambda r: {c.name: c.fn(r) for c in cols})
    F.to_json = lambda col: Col(lambda r: json.dumps(col.fn(r), separators=(",", ":")))
    return F


class Frame:
    def __init__(self, rows, columns):
        self.rows, self.columns = rows, columns

    def withColumn(self, name, col):
        return Frame([{**r, name: col.fn(r)} for r in self.rows], self.columns + [name])

    def filter(self, col):
        return Frame([r for r in self.rows if col.fn(r)], self.columns)

    def select(self, *cols):
        cols = [Col(lambda r, c=c: r.get(c), c) if isinstance(c, str) else c for c in cols]
        return Frame([{c.name: c.fn(r) for c in cols} for r in self.rows], [c.name for c in cols])

    def distinct(self):
        seen, out = set(), []
        for r in self.rows:
            k = json.dumps(r, sort_keys=True)
            if k not in seen:
                seen.add(k)
                out.append(r)
        return Frame(out, self.columns)

    def collect(self):
        return [types.SimpleNamespace(**r) for r in self.rows]


class Reader:
    def option(self, *_):
        return self

    def text(self, path):
        prefix = path.split(f"s3://{LAKE}/", 1)[1]
        rows = [{"value": line, "_file": f"s3://{LAKE}/{k}"} for k in _keys(prefix) for line in _text(k).split("\n")]
        return Frame(rows, ["value"])

    def parquet(self, path):
        # The fake lake stores a "Parquet" table as JSON lines: one dict per row.
        prefix = path.split(f"s3://{LAKE}/", 1)[1]
        rows = [json.loads(line) for k in _keys(prefix) for line in _text(k).split("\n") if line]
        return Frame(rows, sorted({c for r in rows for c in r}))


def install_fakes(monkeypatch, argv):
    pyspark = types.ModuleType("pyspark")
    sql_mod = types.ModuleType("pyspark.sql")
    session = types.SimpleNamespace(read=Reader())
    sql_mod.SparkSession = types.SimpleNamespace(
        builder=types.SimpleNamespace(appName=lambda *_: types.SimpleNamespace(getOrCreate=lambda: session)))
    sql_mod.functions = _functions()
    awsglue = types.ModuleType("awsglue")
    utils = types.ModuleType("awsglue.utils")

    def resolved(args, names):
        out = {}
        for n in names:
            i = args.index(f"--{n}")  # Glue fails the same way on a missing argument
            out[n] = args[i + 1]
        return out

    utils.getResolvedOptions = resolved
    for name, mod in {"pyspark": pyspark, "pyspark.sql": sql_mod, "pyspark.sql.functions": sql_mod.functions,
                      "awsglue": awsglue, "awsglue.utils": utils}.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *argv])


@pytest.fixture
def lake(mocked_aws):
    # moto's mock is on for the test (conftest.py).
    s3 = _s3()
    s3.create_bucket(Bucket=LAKE)
    put = lambda k, body: s3.put_object(Bucket=LAKE, Key=k, Body=body)  # noqa: E731
    put("bronze/events/source=web/dt=2026-03-01/a.ndjson.gz", gzip.compress(
        b'{"userId":"ada","n":1}\n{"userId":"bob","n":2}\n{"userId":"adam","n":3}\n{"userId":"ada","n":4}'))
    put("scores/model=customer/dt=2026-03-01/batch-0.csv", b"customer_id,churn\nc_ada,0.2\nc_bob,0.4\n")
    put("silver/identity_map/data.parquet", json.dumps({"node": "user_id:ada", "customer_id": "c_ada"}) + "\n"
        + json.dumps({"node": "user_id:bob", "customer_id": "c_bob"}) + "\n")
    put("gold/fact_orders/dt=2026-03-01/part-0.parquet", json.dumps({"order_id": "o1", "customer_id": "c_ada"}) + "\n")
    # The profile sync's snapshot (glue/profiles_sync.py): customer ids and row hashes.
    put("profiles/sync/part-0.parquet", json.dumps({"customer_id": "c_ada", "row_hash": "h1"}) + "\n"
        + json.dumps({"customer_id": "c_bob", "row_hash": "h2"}) + "\n")
    put("access/old-ada/manifest.json", json.dumps({"customerIds": ["c_ada"]}))
    put("access/old-ada/person.zip", b"PK...")
    put("access/old-bob/manifest.json", json.dumps({"customerIds": ["c_bob"]}))
    yield s3


def test_export_copies_the_persons_rows_from_every_store_and_changes_nothing(monkeypatch, lake):
    before = {k: _text(k) for k in _keys("")}
    install_fakes(monkeypatch, ["--pattern", PATTERN, "--lake_bucket", LAKE, "--mode", "export",
                                "--out_prefix", "access/req-1/"])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    copied = {k: _text(k) for k in _keys("access/req-1/")}
    assert copied == {
        "access/req-1/lake/bronze/events/source=web/dt=2026-03-01/a.ndjson":
            '{"userId":"ada","n":1}\n{"userId":"ada","n":4}\n',
        "access/req-1/lake/scores/model=customer/dt=2026-03-01/batch-0.csv": "c_ada,0.2\n",
        "access/req-1/lake/silver/identity_map/rows.jsonl": '{"customer_id":"c_ada","node":"user_id:ada"}\n',
        "access/req-1/lake/gold/fact_orders/rows.jsonl": '{"customer_id":"c_ada","order_id":"o1"}\n',
        "access/req-1/lake/profiles/sync/rows.jsonl": '{"customer_id":"c_ada","row_hash":"h1"}\n',
    }
    # Nothing else was written, changed or removed.
    assert {k: _text(k) for k in _keys("") if not k.startswith("access/req-1/")} == before


def test_erase_rewrites_bronze_without_them_and_deletes_their_access_requests_only(monkeypatch, lake):
    # The fake Spark has no Parquet writer: this run covers the text stores and the access requests.
    for k in _keys("silver/") + _keys("gold/") + _keys("profiles/"):
        lake.delete_object(Bucket=LAKE, Key=k)
    install_fakes(monkeypatch, ["--pattern", PATTERN, "--lake_bucket", LAKE])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    assert _text("bronze/events/source=web/dt=2026-03-01/a.ndjson.gz") == '{"userId":"bob","n":2}\n{"userId":"adam","n":3}'
    assert _text("scores/model=customer/dt=2026-03-01/batch-0.csv") == "customer_id,churn\nc_bob,0.4\n"
    assert _keys("access/") == ["access/old-bob/manifest.json"]


@pytest.mark.parametrize("argv,message", [
    (["--pattern", PATTERN, "--lake_bucket", LAKE, "--mode", "copy"], "--mode must be erase or export"),
    (["--pattern", PATTERN, "--lake_bucket", LAKE, "--mode", "export", "--out_prefix", "gold/"],
     "--out_prefix must be access/<request>/"),
    (["--pattern", "", "--lake_bucket", LAKE], "--pattern is empty"),
])
def test_bad_arguments_are_refused_before_anything_is_read(monkeypatch, lake, argv, message):
    install_fakes(monkeypatch, argv)
    with pytest.raises(ValueError, match=re.escape(message)):
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert _keys("access/req") == []
