"""c360 right to be forgotten on Glue (Spark): rewrites the lake without one person's rows.

Run by the forget state machine (statemachines/forget.asl.json) after the person is suppressed and
their vault subjects are shredded. --pattern is the regular expression src/domain/privacy/erasure.ts
builds: any of their identity values or customer ids as a whole value. Spark finds the affected
files (a row's text matches); only those are rewritten, each one through _staging/forget/ and then
put back under its own key, so readers see either the old or the new file:

  bronze/    gzip NDJSON lines          (Firehose files, rewritten line by line)
  features/, scores/   CSV lines        (the scoring batches)
  athena-results/      CSV lines        (query results: the feature export, identity lookups)
  silver/, gold/       Parquet rows     (the row as JSON must not match)

Quarantine is sealed with the vault key (this job cannot open it) and expires in 30 days. The
embedded twin of this job is rewriteLake() in src/runtime/forget.ts.
"""
import gzip
import re
import sys

import boto3
from awsglue.utils import getResolvedOptions
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["pattern", "lake_bucket"])
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


report = {"bronze_lines": 0, "csv_lines": 0, "parquet_rows": 0}
for prefix in ["bronze/events"]:
    for key in affected_text_files(prefix):
        report["bronze_lines"] += rewrite_text(key)
for prefix in ["features", "scores", "athena-results"]:
    for key in affected_text_files(prefix):
        report["csv_lines"] += rewrite_text(key)
for layer in ["silver", "gold"]:
    for table in table_dirs(layer):
        report["parquet_rows"] += rewrite_parquet_table(table)
print(f"c360 forget: removed {report}")
