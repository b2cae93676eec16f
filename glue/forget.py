"""c360 right to be forgotten on Glue (Spark): rewrites the lake without one person's rows.

Run by the forget state machine (statemachines/forget.asl.json) after the person is suppressed and
their vault subjects are shredded. --pattern is the regular expression src/domain/privacy/erasure.ts
builds: any of their identity values or customer ids as a whole value. Spark finds the affected
files (a row's text matches); only those are rewritten, each one through _staging/forget/ and then
put back under its own key, so readers see either the old or the new file:

  bronze/    gzip NDJSON lines          (Firehose files, rewritten line by line)
  raw/       gzip NDJSON lines          (the raw archive: sealed, but each line names its subject)
  features/, scores/   CSV lines        (the scoring batches)
  athena-results/      CSV lines        (query results: the feature export, identity lookups)
  silver/, gold/, profiles/  Parquet rows (the row as JSON must not match)

Quarantine is sealed with the vault key (this job cannot open it) and expires in 30 days. The
embedded twin of this job is rewriteLake() in src/runtime/forget.ts.

--mode export (the subject access state machine, statemachines/export-person.asl.json) walks the
same prefixes and copies the person's lines and rows to --out_prefix (access/<request>/lake/<store>/…)
instead of removing them, so a person's copy covers exactly what erasing them removes (the embedded
twin: collectLake() in src/runtime/subject-access.ts). With --mode erase (the default) it also
deletes the person's earlier access requests (access/<request>/, found by their manifest.json).
"""
import gzip
import re
import sys

import boto3
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["pattern", "lake_bucket"])
mode = getResolvedOptions(sys.argv, ["mode"])["mode"] if "--mode" in sys.argv else "erase"
if mode not in ("erase", "export"):
    raise ValueError("--mode must be erase or export")
out_prefix = getResolvedOptions(sys.argv, ["out_prefix"])["out_prefix"] if mode == "export" else None
if mode == "export" and not re.match(r"^access/[A-Za-z0-9._-]+/$", out_prefix or ""):
    raise ValueError("--out_prefix must be access/<request>/ in export mode")
pattern = args["pattern"]
if not pattern:
    raise ValueError("--pattern is empty: the forget plan names nobody")
bucket = args["lake_bucket"]
lake = f"s3://{bucket}"
mentions = re.compile(pattern)
spark = SparkSession.builder.appName("c360-forget").getOrCreate()
s3 = boto3.client("s3")


def key_of(path):
    """s3://bucket/key (as Spark's input_file_name() gives it) -> key."""
    return re.sub(r"^s3a?://[^/]+/", "", path)


def has_objects(prefix):
    return s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/", MaxKeys=1).get("KeyCount", 0) > 0


def affected_text_files(prefix):
    if not has_objects(prefix):
        return []
    lines = spark.read.text(f"{lake}/{prefix}/").withColumn("file", F.input_file_name())
    hits = lines.filter(F.col("value").rlike(pattern)).select("file").distinct()
    return [key_of(r.file) for r in hits.collect()]


def rewrite_text(key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    gz = key.endswith(".gz")
    text = (gzip.decompress(body) if gz else body).decode("utf-8")
    lines = text.split("\n")
    keep = [line for line in lines if not mentions.search(line)]
    removed = len(lines) - len(keep)
    out = "\n".join(keep)
    if not out.strip():
        s3.delete_object(Bucket=bucket, Key=key)
    else:
        data = out.encode("utf-8")
        s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(data) if gz else data)
    return removed


def table_dirs(layer):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{layer}/", Delimiter="/")
    return [p["Prefix"].rstrip("/") for page in pages for p in page.get("CommonPrefixes", [])]


def rewrite_parquet_table(table):
    df = spark.read.option("recursiveFileLookup", "true").parquet(f"{lake}/{table}/")
    row_text = F.to_json(F.struct(*[F.col(c) for c in df.columns]))
    tagged = df.withColumn("_file", F.input_file_name())
    files = [key_of(r._file) for r in tagged.filter(row_text.rlike(pattern)).select("_file").distinct().collect()]
    removed = 0
    for key in files:
        one = spark.read.parquet(f"{lake}/{key}")
        text = F.to_json(F.struct(*[F.col(c) for c in one.columns]))
        removed += one.filter(text.rlike(pattern)).count()
        staged = f"_staging/forget/{key}"
        one.filter(~text.rlike(pattern)).coalesce(1).write.mode("overwrite").parquet(f"{lake}/{staged}")
        part = [
            o["Key"]
            for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{staged}/").get("Contents", [])
            if o["Key"].endswith(".parquet")
        ]
        if not part:
            s3.delete_object(Bucket=bucket, Key=key)
        else:
            s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": part[0]})
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{staged}/").get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=o["Key"])
    return removed


def export_text(key, store):
    """The person's lines of one text file, to <out_prefix>lake/<store>/<key without .gz>."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    text = (gzip.decompress(body) if key.endswith(".gz") else body).decode("utf-8")
    lines = [line for line in text.split("\n") if line and mentions.search(line)]
    if lines:
        rel = key.split("/", 1)[1] if key.startswith(f"{store}/") else key
        out = f"{out_prefix}lake/{store}/{re.sub(r'[.]gz$', '', rel)}"
        s3.put_object(Bucket=bucket, Key=out, Body=("\n".join(lines) + "\n").encode("utf-8"))
    return len(lines)


def export_parquet_table(table):
    """The person's rows of one table, as JSON lines, to <out_prefix>lake/<layer>/<table>/."""
    df = spark.read.option("recursiveFileLookup", "true").parquet(f"{lake}/{table}/")
    rows = df.select(F.to_json(F.struct(*[F.col(c) for c in df.columns])).alias("row")).filter(F.col("row").rlike(pattern))
    found = [r.row for r in rows.collect()]
    if found:
        s3.put_object(Bucket=bucket, Key=f"{out_prefix}lake/{table}/rows.jsonl", Body=("\n".join(found) + "\n").encode("utf-8"))
    return len(found)


def remove_access_requests():
    """Erasure removes the person's earlier subject access requests (their manifest names them)."""
    removed = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="access/"):
        for o in page.get("Contents", []):
            if not o["Key"].endswith("/manifest.json"):
                continue
            if mentions.search(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().decode("utf-8")):
                folder = o["Key"][: -len("manifest.json")]
                for p2 in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
                    for x in p2.get("Contents", []):
                        s3.delete_object(Bucket=bucket, Key=x["Key"])
                removed += 1
    return removed


# The prefixes a person's rows can be in, for both modes (src/runtime/person-stores.ts lists the
# embedded stores the same way): text stores line by line, the layers' tables row by row.
TEXT_STORES = ["bronze", "features", "scores", "athena-results", "raw"]
# profiles/: the profile sync's snapshot (profiles/sync/: customer ids and row hashes, glue/profiles_sync.py).
PARQUET_LAYERS = ["silver", "gold", "profiles"]

if mode == "export":
    report = {"lines": 0, "parquet_rows": 0}
    for store in TEXT_STORES:
        for key in affected_text_files("bronze/events" if store == "bronze" else store):
            report["lines"] += export_text(key, store)
    for layer in PARQUET_LAYERS:
        for table in table_dirs(layer):
            report["parquet_rows"] += export_parquet_table(table)
    print(f"c360 subject access: copied {report} to {out_prefix}")
else:
    report = {"bronze_lines": 0, "csv_lines": 0, "parquet_rows": 0, "access_requests": 0}
    for key in affected_text_files("bronze/events"):
        report["bronze_lines"] += rewrite_text(key)
    for prefix in TEXT_STORES[1:]:
        for key in affected_text_files(prefix):
            report["csv_lines"] += rewrite_text(key)
    for layer in PARQUET_LAYERS:
        for table in table_dirs(layer):
            report["parquet_rows"] += rewrite_parquet_table(table)
    report["access_requests"] = remove_access_requests()
    print(f"c360 forget: removed {report}")
