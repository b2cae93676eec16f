"""glue/run_sql.py's control flow, without Spark: the script runs as Glue/EMR would run it (module
level, its arguments on sys.argv) against a fake SparkSession that records every statement and
write, with S3 and CloudWatch from moto's in-process mock (boto3 as the script uses it).

Checked: every plan step runs in order with its parameters rendered; outputs go to a staging
prefix and reach their tables only after every check passed; a failing check stops the run before
anything is published and puts DataQualityFailures; keyed steps rebuild all keys on a first run.
The statements, as rendered, are written to $C360_SPARK_SQL_OUT (JSON) when it is set: the jest
suite parses each with a Spark SQL grammar (test/unit/sql-grammar.test.ts).
"""
import json
import os
import pathlib
import runpy
import sys
import types

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "glue" / "run_sql.py"
LAKE = "c360-lake-test"


class Row(dict):
    def asDict(self):
        return dict(self)


class Recorder:
    def __init__(self, failing_check=None, app="app-test", flagged=2):
        self.sql = []
        self.flagged = flagged  # rows the fake dq_row_flags table holds
        self.writes = []
        self.views = []
        self.failing_check = failing_check
        self.app = app


class Writer:
    """Records a write and leaves in (moto's) S3 the objects Spark would: a part file (under a
    dt= folder when partitioned) and the _SUCCESS marker."""

    def __init__(self, rec):
        self.rec = rec
        self.mode_ = None
        self.partitioned = False

    def mode(self, m):
        self.mode_ = m
        return self

    def partitionBy(self, *_):
        self.partitioned = True
        return self

    def parquet(self, path):
        self.rec.writes.append((self.mode_, path))
        if path.startswith(f"s3://{LAKE}/"):
            key = path[len(f"s3://{LAKE}/"):]
            part = f"{key}/dt=2026-11-29/part-00000-{self.rec.app}.parquet" if self.partitioned else f"{key}/part-00000-{self.rec.app}.parquet"
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.put_object(Bucket=LAKE, Key=part, Body=b"PAR1")
            s3.put_object(Bucket=LAKE, Key=f"{key}/_SUCCESS", Body=b"")


class Frame:
    """Enough of a DataFrame for the script: views, checkpoints, writes, and the rows it reads."""

    def __init__(self, rec, sql=""):
        self.rec = rec
        self.text = sql
        self.columns = ["node", "customer_id"]

    def createOrReplaceTempView(self, name):
        self.rec.views.append(name)

    def localCheckpoint(self, *_):
        return self

    cache = persist = localCheckpoint

    def __getattr__(self, name):
        if name in ("where", "select", "distinct", "unionByName", "limit", "join", "coalesce", "selectExpr", "option", "schema"):
            return lambda *a, **k: self
        raise AttributeError(name)

    def collect(self):
        return []

    def count(self):
        return self.rec.flagged

    def first(self):
        if self.rec.failing_check and f"-- check:{self.rec.failing_check}" in self.text:
            return Row(failures=3, example="EUR")
        return Row(failures=0, example=None, n=0)

    @property
    def write(self):
        return Writer(self.rec)

    def __getitem__(self, _):
        return types.SimpleNamespace(cast=lambda *_: types.SimpleNamespace(alias=lambda *_: None))


class Reader:
    def __init__(self, rec):
        self.rec = rec

    def schema(self, *_):
        return self

    def option(self, *_):
        return self

    def json(self, _path):
        return Frame(self.rec)

    def csv(self, _path):
        return Frame(self.rec)

    def parquet(self, path):
        # A fresh lake: only what this run staged can be read back.
        if any(p == path for _, p in self.rec.writes):
            return Frame(self.rec)
        raise FileNotFoundError(path)


class Session:
    def __init__(self, rec):
        self.rec = rec
        self.conf = types.SimpleNamespace(set=lambda *_: None)
        self.sparkContext = types.SimpleNamespace(applicationId=rec.app)
        self.read = Reader(rec)

    def sql(self, text):
        self.rec.sql.append(text)
        return Frame(self.rec, text)

    def createDataFrame(self, *_):
        return Frame(self.rec)

    def table(self, _):
        return Frame(self.rec)


def install_fake_spark(monkeypatch, rec):
    builder = types.SimpleNamespace(appName=lambda *_: types.SimpleNamespace(getOrCreate=lambda: Session(rec)))
    pyspark = types.ModuleType("pyspark")
    pyspark.StorageLevel = types.SimpleNamespace(MEMORY_AND_DISK="MEMORY_AND_DISK")
    sql_mod = types.ModuleType("pyspark.sql")
    sql_mod.SparkSession = types.SimpleNamespace(builder=builder)
    monkeypatch.setitem(sys.modules, "pyspark", pyspark)
    monkeypatch.setitem(sys.modules, "pyspark.sql", sql_mod)
    monkeypatch.delitem(sys.modules, "awsglue", raising=False)


def upload_plan(s3, marker_checks=True):
    s3.create_bucket(Bucket=LAKE)
    for f in (ROOT / "sql").rglob("*"):
        if f.is_file():
            body = f.read_bytes()
            rel = f.relative_to(ROOT / "sql").as_posix()
            # Tag each check's SQL so the fake session knows which statement a check is.
            if marker_checks and rel.startswith("dq/"):
                body = f"-- check:{f.stem}\n".encode() + body
            s3.put_object(Bucket=LAKE, Key=f"artifacts/sql/{rel}", Body=body)


def run_script(monkeypatch, rec, frm="2026-11-29", to="2026-11-30"):
    install_fake_spark(monkeypatch, rec)
    monkeypatch.setattr(sys, "argv", [
        str(SCRIPT), "--run_date_from", frm, "--run_date_to", to, "--lake_bucket", LAKE,
        "--sql_prefix", f"s3://{LAKE}/artifacts/sql/",
    ])
    runpy.run_path(str(SCRIPT), run_name="__main__")


@pytest.fixture
def aws(mocked_aws):
    yield boto3.client("s3", region_name="us-east-1")


def plan():
    return json.loads((ROOT / "sql" / "pipeline.json").read_text())


def objects(s3, prefix):
    return sorted(o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=LAKE, Prefix=prefix)
                  for o in page.get("Contents", []))


def test_every_step_runs_rendered_and_publishes_after_the_checks(monkeypatch, aws):
    upload_plan(aws)
    rec = Recorder()
    run_script(monkeypatch, rec)
    steps = plan()["steps"]
    # Every step's SQL was run, its ${from}/${to} rendered, no placeholder left.
    for st in steps:
        text = (ROOT / "sql" / st["sql"]).read_text()
        first_line = next(l for l in text.splitlines() if l.strip() and not l.startswith("--"))
        assert any(first_line.strip() in s for s in rec.sql), st["name"]
    assert not [s for s in rec.sql if "${" in s]
    assert any("2026-11-29" in s for s in rec.sql)
    # Writes: every stored step to staging, then published into its table by S3 copies (the journal).
    stored = [st for st in steps if st.get("path")]
    staged = [p for _, p in rec.writes if "/_staging/" in p]
    # After the publish, the warehouse exports: every table of sql/warehouse/exports.json, its
    # SELECT run with the run's dates, written under export/<table>/dt=<to>/ with a COPY manifest
    # listing each Parquet part with its size (Redshift's COPY from Parquet needs content_length).
    exports = json.loads((ROOT / "sql" / "warehouse" / "exports.json").read_text())["exports"]
    assert exports and {e["table"] for e in exports} >= {"fact_orders", "dim_customer", "customer_recommendations"}
    assert "customer_scores" not in {e["table"] for e in exports}
    for ex in exports:
        assert ("overwrite", f"s3://{LAKE}/export/{ex['table']}/dt=2026-11-30/data") in rec.writes, ex["table"]
        assert ex["sql"] in rec.sql, ex["table"]
        manifest = json.loads(aws.get_object(Bucket=LAKE, Key=f"export/{ex['table']}/dt=2026-11-30/manifest.json")["Body"].read())
        parts = [k for k in objects(aws, f"export/{ex['table']}/dt=2026-11-30/data/") if k.endswith(".parquet")]
        assert manifest["entries"] == [
            {"url": f"s3://{LAKE}/{k}", "mandatory": True, "meta": {"content_length": len(b"PAR1")}} for k in parts
        ] and parts, ex["table"]
    assert sorted({p.split("/_staging/run-2026-11-29-2026-11-30-app-test/")[1] for p in staged}) == sorted(st["path"] for st in stored)
    assert all("/_staging/" in p or "/export/" in p for _, p in rec.writes), "Spark writes only to staging (and the exports)"
    for st in stored:
        keys = objects(aws, st["path"] + "/")
        parts = [k for k in keys if k.endswith(".parquet")]
        assert parts and all("/run-2026-11-29-2026-11-30-app-test-part-" in k for k in parts), (st["name"], keys)
        assert not [k for k in keys if k.endswith("_SUCCESS")]
    assert objects(aws, "_staging/") == []
    # Keyed steps: a fresh lake rebuilds all keys (full_rebuild rendered true).
    assert any("true" in s for s in rec.sql)
    # Lineage and the metrics went out.
    keys = [o["Key"] for o in aws.list_objects_v2(Bucket=LAKE, Prefix="lineage/").get("Contents", [])]
    assert len(keys) == 1
    # Rows flagged by row-level rules: the count of gold.dq_row_flags, for the alarm.
    import datetime
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    now = datetime.datetime.now(datetime.timezone.utc)
    stats = cw.get_metric_statistics(
        Namespace="c360", MetricName="DataQualityRowsFlagged", Dimensions=[{"Name": "service", "Value": "c360"}],
        StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(hours=1), Period=3600,
        Statistics=["Maximum"],
    )["Datapoints"]
    assert [d["Maximum"] for d in stats] == [float(rec.flagged)]
    out = os.environ.get("C360_SPARK_SQL_OUT")
    if out:
        pathlib.Path(out).write_text(json.dumps(rec.sql))


def test_a_failing_check_stops_the_run_before_anything_is_published(monkeypatch, aws):
    upload_plan(aws)
    check = next(st for st in plan()["steps"] if st["kind"] == "check")
    rec = Recorder(failing_check=pathlib.Path(check["sql"]).stem)
    with pytest.raises(RuntimeError, match=f"data quality check {check['name']} failed: 3 offending row"):
        run_script(monkeypatch, rec)
    assert rec.writes, "steps before the check were staged"
    assert all("/_staging/" in p for _, p in rec.writes), "nothing published"
    assert [k for k in objects(aws, "") if not k.startswith(("_staging/", "artifacts/"))] == [], "nothing published"
    assert not aws.list_objects_v2(Bucket=LAKE, Prefix="lineage/").get("Contents")
    # The next run removes the staging the failed one left (no journal: it never published).
    run_script(monkeypatch, Recorder(app="app-next"))
    assert objects(aws, "_staging/") == []
    assert not [k for k in objects(aws, "silver/") if "app-test" in k]


def test_a_run_that_dies_inside_its_publish_is_finished_by_the_next_run(monkeypatch, aws):
    """An executor lost after some of the publish's copies: the lake holds a mix of the stored
    table and the run's output until the next run, which finishes the journal before it reads
    anything, so no table is left holding two runs' rows."""
    upload_plan(aws)
    tables = [st for st in plan()["steps"] if st.get("path") and st["kind"] != "partitioned"]
    # What an earlier run stored in each whole table.
    for st in tables:
        aws.put_object(Bucket=LAKE, Key=f"{st['path']}/run-earlier-part-00000.parquet", Body=b"PAR1")
    real_client = boto3.client
    copies = {"n": 0}

    def dying_client(name, *a, **k):
        c = real_client(name, *a, **k)
        if name == "s3":
            copy = c.copy_object

            def copy_object(**kw):
                copies["n"] += 1
                if copies["n"] > 3:
                    raise ConnectionError("executor lost")
                return copy(**kw)

            c.copy_object = copy_object
        return c

    monkeypatch.setattr(boto3, "client", dying_client)
    with pytest.raises(ConnectionError):
        run_script(monkeypatch, Recorder())
    monkeypatch.setattr(boto3, "client", real_client)
    journal = [k for k in objects(aws, "_staging/") if k.endswith("/_PUBLISH.json")]
    assert len(journal) == 1
    # Mid-publish: some tables already hold the dead run's parts, the whole tables still the earlier one.
    published = [k for k in objects(aws, "") if k.endswith("app-test.parquet") and not k.startswith("_staging/")]
    assert len(published) == 3
    assert all(objects(aws, f"{st['path']}/run-earlier-part-00000.parquet") for st in tables)

    rec = Recorder(app="app-next")
    run_script(monkeypatch, rec)
    assert objects(aws, "_staging/") == []
    for st in tables:
        parts = [k for k in objects(aws, st["path"] + "/") if k.endswith(".parquet")]
        assert parts == [f"{st['path']}/run-2026-11-29-2026-11-30-app-next-part-00000-app-next.parquet"], parts
    # The partitions the dead run had published were replaced whole by the next run's.
    assert [k for k in objects(aws, "") if "app-test" in k] == []


def test_bad_arguments_are_refused(monkeypatch, aws):
    upload_plan(aws)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        run_script(monkeypatch, Recorder(), frm="29/11/2026")
