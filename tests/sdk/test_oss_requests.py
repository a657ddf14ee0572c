"""The OSS requests the real action binary sends, checked by Alibaba's own OSS SDK signer.

fc-local records every request it receives (``--capture``). Each OSS request (Authorization
``OSS4-HMAC-SHA256``) is signed again by ``alibabacloud_oss_v2.signer.SignerV4`` through
``oss_signature`` and must match exactly; the FC 3.0 and STS GetCallerIdentity requests
around it by ``alibabacloud_tea_openapi`` through ``sdk_signature``. Four flows:

  * own bucket, PutObject, long-term AccessKey (HeadObject first: content-addressed keys)
  * own bucket, multipart (a ~40 MiB layer of random bytes), long-term AccessKey
  * FC's temporary bucket with STS credentials given to the action: the OSS requests are
    signed with the temporary credentials FC lent, with their x-oss-security-token
  * FC's temporary bucket without account-id: the binary asks STS GetCallerIdentity first

The lent credentials are fc-local's random secrets; it exposes them nowhere but in its
tempBucketToken reply, which is not captured. The binary masks them as they arrive
(``::add-mask::``), so the test, which reads the binary's stdout, takes the lent secret and
token from there and the lent AccessKey id from the captured ``Credential=``.

The FC 2.0 tempBucketToken request ("FC id:signature") has no Python SDK among the pinned
requirements (the FC 2.0 Python SDK, ``aliyun-fc2``, is not pinned); it is checked by an
independent computation of shared/docs/oss.md's formula, itself first checked against that
document's vectors (tests/data/oss-signature-vectors.json).

The binaries and the ``fc_local`` fixture come from ``conftest.py``.
"""

import base64
import copy
import hashlib
import hmac
import json
import os
import random
import subprocess
from urllib.parse import quote

import pytest

import oss_signature
import sdk_signature
from conftest import ACTION, ROOT

VECTORS = json.loads((ROOT / "tests/data/oss-signature-vectors.json").read_text(encoding="utf-8"))

KEY_ID = "LTAI-oss-sdk-check"
SECRET = "oss-sdk-check-secret"
TOKEN = "oss-sdk-check-sts-token"
REGION = "cn-hangzhou"
ACCOUNT = "1234567890123456"  # fc-local's default account
OWN_BUCKET = "my-artifacts"
TEMP_BUCKET = "fc-local-temp"
MASK = "::add-mask::"
FC_LOCAL_ARGS = ("--region", REGION)


# ---------------------------------------------------------------- FC 2.0, independently

def fc2_string_to_sign(record):
    """shared/docs/oss.md: METHOD \\n Content-MD5 \\n Content-Type \\n Date \\n
    CanonicalFcHeaders Path, each x-fc-* header lowercased, sorted, "name:value\\n"."""
    def single(name):
        values = sdk_signature.header_values(record, name)
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else ""

    names = sorted({k for k, _ in record["headers"] if k.startswith("x-fc-")})
    fc_headers = "".join(f"{name}:{single(name).strip()}\n" for name in names)
    return (f"{record['method']}\n{single('content-md5')}\n{single('content-type')}\n"
            f"{single('date')}\n{fc_headers}{record['path']}")


def fc2_authorization(record, access_key_id, access_key_secret):
    digest = hmac.new(access_key_secret.encode(), fc2_string_to_sign(record).encode(),
                      hashlib.sha256).digest()
    return f"FC {access_key_id}:{base64.b64encode(digest).decode()}"


# ---------------------------------------------------------------- running the binary


LONG_TERM = {"INPUT_ACCESS-KEY-ID": KEY_ID, "INPUT_ACCESS-KEY-SECRET": SECRET}
STS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
       "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN}


def publish(url, tmp_path, code, layer_name, inputs):
    env = {
        "PATH": os.environ["PATH"],
        "INPUT_LAYER-NAME": layer_name,
        "INPUT_CODE": str(code),
        "INPUT_COMPATIBLE-RUNTIMES": "python3.10",
        "INPUT_REGION": REGION,
        "INPUT_ENDPOINT": url,
        "INPUT_OSS-ENDPOINT": url,
        "INPUT_STS-ENDPOINT": url,
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        **inputs,
    }
    result = subprocess.run([ACTION], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def big_layer(tmp_path):
    """A layer of ~40 MiB of incompressible bytes: its zip goes up in parts."""
    layer = tmp_path / "big-layer"
    (layer / "lib").mkdir(parents=True)
    (layer / "lib/blob.bin").write_bytes(random.Random(20240520).randbytes(40 << 20))
    (layer / "lib/readme.txt").write_text("a large layer\n")
    return layer


SMALL_LAYER = ROOT / "examples/python-layer"


def lent_secret_and_token(stdout, own_secrets):
    """The lent secret and token, in the order the binary masks them as they arrive."""
    masked = [line.removeprefix(MASK) for line in stdout.splitlines() if line.startswith(MASK)]
    lent = [value for value in masked if value not in own_secrets]
    assert len(lent) == 2, f"a lent secret and token among the masks: {masked}"
    return lent


def lent_credentials(records, runs, own_secrets):
    """Access key id -> SDK Credentials for what FC lent in each run.

    The secret and token come from the run's mask lines; the id is the Credential= of the
    OSS requests that carry that token (one id per token, or the pairing is wrong)."""
    lent = {}
    for run in runs:
        secret, token = lent_secret_and_token(run.stdout, own_secrets)
        ids = {oss_access_key_id(r) for r in records if oss_signature.is_oss(r)
               and sdk_signature.header_values(r, "x-oss-security-token") == [token]}
        assert len(ids) == 1, f"the lent token {token[:4]}… signs with ids {ids}"
        [access_key_id] = ids
        assert access_key_id.startswith("STS."), access_key_id
        lent[access_key_id] = oss_signature.credentials(access_key_id, secret, token)
    return lent


def oss_access_key_id(record):
    credential = sdk_signature.parse_authorization(oss_signature.authorization(record))[1]
    return credential["Credential"].split("/")[0]


# ---------------------------------------------------------------- checking a capture

def kind(record):
    authorization = (sdk_signature.header_values(record, "authorization") or [""])[0]
    if authorization.startswith(oss_signature.ALGORITHM):
        return oss_signature.oss_operation(record)
    if authorization.startswith("FC "):
        return "TempBucketToken"
    if authorization.startswith(sdk_signature.ALGORITHM):
        return sdk_signature.header_values(record, "x-acs-action")[0]
    return f"unsigned {record['method']} {record['path']}"


def verify_capture(capture, lent=None, own_token=None):
    """Checks every captured request with the SDK for its kind; returns (records, kinds)."""
    records = sdk_signature.load_records(capture)
    own = oss_signature.credentials(KEY_ID, SECRET, own_token)
    by_id = {KEY_ID: own, **(lent or {})}
    kinds = []
    for record in records:
        what = kind(record)
        kinds.append(what)
        # A first listing finds no layer (404), a content-addressed HeadObject no object.
        ok = (200, 404) if what in ("ListLayerVersions", "HeadObject") else (200,)
        assert record["status"] in ok, (what, record["status"])
        if oss_signature.is_oss(record):
            creds = by_id.get(oss_access_key_id(record))
            assert creds is not None, f"{what} signed by unknown {oss_access_key_id(record)}"
            problems = oss_signature.check(record, creds, REGION)
            assert problems == [], f"{what} {record['path']}?{record['query']}:\n" + "\n".join(problems)
        elif what == "TempBucketToken":
            assert (record["method"], record["path"], record["query"]) == (
                "GET", "/2016-08-15/tempBucketToken", "")
            assert sdk_signature.header_values(record, "x-fc-account-id") == [ACCOUNT]
            assert sdk_signature.header_values(record, "x-fc-security-token") == (
                [own_token] if own_token else [])
            assert oss_signature.authorization(record) == fc2_authorization(record, KEY_ID, SECRET)
        else:
            assert not what.startswith("unsigned"), what
            problems = sdk_signature.check(record, KEY_ID, SECRET)
            assert problems == [], f"{what}:\n" + "\n".join(problems)
            assert sdk_signature.header_values(record, "x-acs-security-token") == (
                [own_token] if own_token else [])
    return records, kinds


def oss_kinds(kinds):
    return [k for k in kinds if k in OSS_OPERATIONS]


OSS_OPERATIONS = {"HeadObject", "PutObject", "InitiateMultipartUpload", "UploadPart",
                  "CompleteMultipartUpload", "AbortMultipartUpload", "Unknown"}


def assert_multipart(ops):
    """InitiateMultipartUpload, UploadPart × n (n ≥ 2), CompleteMultipartUpload."""
    assert ops[0] == "InitiateMultipartUpload", ops
    assert ops[-1] == "CompleteMultipartUpload", ops
    assert set(ops[1:-1]) == {"UploadPart"} and len(ops) - 2 >= 2, ops


def oss_records(records, bucket):
    chosen = [r for r in records if oss_signature.is_oss(r)]
    for record in chosen:
        assert oss_signature.split_path(record["path"])[0] == bucket, record["path"]
    return chosen


# ---------------------------------------------------------------- the helpers, on vectors

@pytest.mark.parametrize("vector", VECTORS["oss_v4"], ids=lambda v: v["name"])
def test_the_sdk_check_reproduces_the_documented_oss_vectors(vector):
    """A record rebuilt from each documented vector passes oss_signature.check: the way a
    capture record is turned back into the SDK's signing context is right."""
    date = vector["x_oss_date"]
    scope = f"{date[:8]}/{vector['region']}/oss/aliyun_v4_request"
    authorization = f"OSS4-HMAC-SHA256 Credential={vector['access_key_id']}/{scope}"
    if vector["additional_headers"]:
        authorization += ",AdditionalHeaders=" + ";".join(vector["additional_headers"])
    authorization += ",Signature=" + vector["signature"]
    headers = [[k.lower(), v] for k, v in vector["headers"]]
    headers += [["x-oss-date", date], ["x-oss-content-sha256", "UNSIGNED-PAYLOAD"]]
    if vector["security_token"]:
        headers.append(["x-oss-security-token", vector["security_token"]])
    record = {
        "method": vector["method"],
        "path": quote(f"/{vector['bucket']}/{vector['key']}", safe="/"),
        "query": vector["query"],
        "headers": headers + [["authorization", authorization]],
    }
    creds = oss_signature.credentials(vector["access_key_id"], vector["access_key_secret"],
                                      vector["security_token"])
    assert oss_signature.check(record, creds, vector["region"]) == []
    if "canonical_request" in vector:
        assert (oss_signature.canonical_request(record, creds, vector["region"])
                == "\n".join(vector["canonical_request"]))


@pytest.mark.parametrize("vector", VECTORS["fc2"], ids=lambda v: v["name"])
def test_the_independent_fc2_check_reproduces_the_documented_vectors(vector):
    headers = [[k.lower(), v] for k, v in vector["headers"]] + [["date", vector["date"]]]
    if vector["security_token"]:
        headers.append(["x-fc-security-token", vector["security_token"]])
    record = {"method": vector["method"], "path": vector["path"], "query": "", "headers": headers}
    assert fc2_string_to_sign(record) == "\n".join(vector["string_to_sign"])
    assert fc2_authorization(record, vector["access_key_id"],
                             vector["access_key_secret"]) == vector["authorization"]


# ---------------------------------------------------------------- the four flows

def test_own_bucket_put_object_with_long_term_keys(fc_local, tmp_path):
    url, capture = fc_local()
    publish(url, tmp_path, SMALL_LAYER, "own-put",
            {**LONG_TERM, "INPUT_UPLOAD": "oss", "INPUT_OSS-BUCKET": OWN_BUCKET})
    records, kinds = verify_capture(capture)
    assert oss_kinds(kinds) == ["HeadObject", "PutObject"], kinds
    assert kinds[-1] == "CreateLayerVersion", kinds
    for record in oss_records(records, OWN_BUCKET):
        assert sdk_signature.header_values(record, "x-oss-security-token") == []
        assert oss_access_key_id(record) == KEY_ID


def test_own_bucket_multipart_with_long_term_keys(fc_local, tmp_path):
    url, capture = fc_local()
    publish(url, tmp_path, big_layer(tmp_path), "own-multipart",
            {**LONG_TERM, "INPUT_UPLOAD": "oss", "INPUT_OSS-BUCKET": OWN_BUCKET})
    records, kinds = verify_capture(capture)
    ops = oss_kinds(kinds)
    assert ops[0] == "HeadObject", ops
    assert_multipart(ops[1:])
    assert kinds[-1] == "CreateLayerVersion", kinds
    chosen = oss_records(records, OWN_BUCKET)
    assert {oss_access_key_id(r) for r in chosen} == {KEY_ID}
    assert len({oss_signature.split_path(r["path"])[1] for r in chosen}) == 1, "one key"
    # Not vacuous for the query either: another part number or upload id is another request.
    part = copy.deepcopy(next(r for r in records if kind(r) == "UploadPart"))
    own = oss_signature.credentials(KEY_ID, SECRET)
    for query in ["partNumber=9999&uploadId=FC-LOCAL-UPLOAD-00000001",
                  part["query"].replace("uploadId=", "uploadId=X")]:
        part["query"] = query
        assert any(p.startswith("Authorization mismatch")
                   for p in oss_signature.check(part, own, REGION)), query


def test_temporary_bucket_with_sts_credentials(fc_local, tmp_path):
    url, capture = fc_local("--security-token", TOKEN)
    inputs = {**STS, "INPUT_UPLOAD": "oss", "INPUT_ACCOUNT-ID": ACCOUNT}
    runs = [publish(url, tmp_path, SMALL_LAYER, "temp-put", inputs),
            publish(url, tmp_path, big_layer(tmp_path), "temp-multipart", inputs)]
    records = sdk_signature.load_records(capture)
    lent = lent_credentials(records, runs, own_secrets={SECRET, TOKEN})
    assert len(lent) == 2, "each publish borrows its own credentials"
    records, kinds = verify_capture(capture, lent=lent, own_token=TOKEN)
    assert "GetCallerIdentity" not in kinds, "account-id was given"
    assert kinds.count("TempBucketToken") == 2, kinds
    first, second = (kinds[:kinds.index("CreateLayerVersion") + 1],
                     kinds[kinds.index("CreateLayerVersion") + 1:])
    assert oss_kinds(first) == ["PutObject"], first
    assert_multipart(oss_kinds(second))
    for record in oss_records(records, TEMP_BUCKET):
        assert oss_access_key_id(record) in lent, "signed with lent credentials only"
        assert sdk_signature.header_values(record, "x-oss-security-token") == [
            lent[oss_access_key_id(record)].security_token]
        assert oss_signature.split_path(record["path"])[1].startswith(f"{ACCOUNT}/")
    # The token is signed: another token (the caller's own, say) fails the SDK's check.
    [put] = [r for r in records if kind(r) == "PutObject"]
    tampered = copy.deepcopy(put)
    set_header(tampered, "x-oss-security-token", TOKEN)
    creds = lent[oss_access_key_id(put)]
    swapped = oss_signature.credentials(creds.access_key_id, creds.access_key_secret, TOKEN)
    assert any(p.startswith("Authorization mismatch")
               for p in oss_signature.check(tampered, swapped, REGION))


def test_temporary_bucket_without_account_id_asks_sts(fc_local, tmp_path):
    url, capture = fc_local()
    run = publish(url, tmp_path, SMALL_LAYER, "temp-sts",
                  {**LONG_TERM, "INPUT_UPLOAD": "oss"})
    assert f"The credentials belong to account {ACCOUNT}" in run.stdout
    records = sdk_signature.load_records(capture)
    lent = lent_credentials(records, [run], own_secrets={SECRET})
    records, kinds = verify_capture(capture, lent=lent)
    # A directory with `upload: oss` and one region is uploaded as it is packaged, so the
    # bucket is lent and the object put before the region lists its versions.
    assert kinds == ["GetCallerIdentity", "TempBucketToken", "PutObject", "ListLayerVersions",
                     "CreateLayerVersion"], kinds
    [sts] = [r for r in records if kind(r) == "GetCallerIdentity"]
    assert (sts["method"], sts["path"], sts["query"]) == ("POST", "/", "")
    assert sdk_signature.header_values(sts, "x-acs-version") == ["2015-04-01"]
    # The independent FC 2.0 check is not vacuous either.
    [token] = [r for r in records if kind(r) == "TempBucketToken"]
    other_account = copy.deepcopy(token)
    set_header(other_account, "x-fc-account-id", "1234567890123457")
    assert oss_signature.authorization(other_account) != fc2_authorization(
        other_account, KEY_ID, SECRET)


# ---------------------------------------------------------------- not vacuous

def set_header(record, name, value):
    assert sdk_signature.header_values(record, name), name
    record["headers"] = [[k, value if k == name else v] for k, v in record["headers"]]


def test_the_sdk_check_catches_a_tampered_oss_request(fc_local, tmp_path):
    """The SDK-based check fails once anything signed changes, so it cannot pass vacuously."""
    url, capture = fc_local()
    publish(url, tmp_path, SMALL_LAYER, "tamper",
            {**LONG_TERM, "INPUT_UPLOAD": "oss", "INPUT_OSS-BUCKET": OWN_BUCKET})
    records, kinds = verify_capture(capture)
    [put] = [r for r in records if kind(r) == "PutObject"]
    own = oss_signature.credentials(KEY_ID, SECRET)
    assert oss_signature.check(put, own, REGION) == []

    other_key = copy.deepcopy(put)
    other_key["path"] = put["path"].removesuffix(".zip") + "-other.zip"
    other_bucket = copy.deepcopy(put)
    other_bucket["path"] = put["path"].replace(f"/{OWN_BUCKET}/", "/other-bucket/", 1)
    other_type = copy.deepcopy(put)
    set_header(other_type, "content-type", "application/octet-stream")
    other_query = copy.deepcopy(put)
    other_query["query"] = "acl"
    unsigned_extra = copy.deepcopy(put)
    unsigned_extra["headers"].append(["x-oss-object-acl", "public-read"])
    for tampered in [other_key, other_bucket, other_type, other_query, unsigned_extra]:
        problems = oss_signature.check(tampered, own, REGION)
        assert any(p.startswith("Authorization mismatch") for p in problems), tampered

    wrong_secret = oss_signature.credentials(KEY_ID, "not-the-secret")
    assert any(p.startswith("Authorization mismatch")
               for p in oss_signature.check(put, wrong_secret, REGION))
    other_region = oss_signature.check(put, own, "cn-shanghai")
    assert any(p.startswith("Authorization mismatch") for p in other_region)
    with_token = oss_signature.credentials(KEY_ID, SECRET, "a-token")
    assert any(p.startswith("x-oss-security-token") for p in
               oss_signature.check(put, with_token, REGION))

    # And the whole capture check, end to end, fails on a capture holding one tampered record.
    lines = capture.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if kind(json.loads(line)) == "PutObject")
    lines[index] = json.dumps(other_key)
    capture.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="Authorization mismatch"):
        verify_capture(capture)
