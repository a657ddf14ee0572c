"""Check captured requests' ACS3-HMAC-SHA256 signatures with Alibaba's own Python SDK.

The expected signature is computed by ``alibabacloud_tea_openapi.utils.Utils.get_authorization``
from ``alibabacloud-tea-openapi`` (pinned in requirements.txt), the same call the SDK's
``Client.call_api`` makes for FC 3.0 requests; nothing here hashes or HMACs the signature itself.

A *record* is one captured request, one JSON object per line in a capture file::

    {"method": "POST", "path": "/2023-03-30/layers/my-layer/versions",
     "query": "limit=10&startVersion=2",
     "headers": [["host", "127.0.0.1:18123"], ["authorization", "ACS3-HMAC-SHA256 ..."], ...],
     "body_base64": "..."}

``path`` and ``query`` are raw, as on the wire ("" for no query); header names are lowercase,
in arrival order; ``body_base64`` may be missing or "" for no body.

API:
  load_records(file)                      -> list of records from a JSON-lines capture file
  expected_authorization(record, id, key) -> the Authorization value the SDK computes for the
                                             headers the record's own SignedHeaders names
  check(record, id, key)                  -> list of problems; [] means the request is valid
  canonical_request(record)               -> the canonical request the SDK hashed (for messages)

SDK behaviour this relies on (read from alibabacloud_tea_openapi/utils.py, 0.4.6):
  * the pathname is used verbatim (or "/" if empty): no encoding or decoding, so the raw wire
    path goes in as is; FC's generated client builds it with ``Utils.get_encode_param`` per
    segment (``quote(s, safe='~')``).
  * the query is a dict of *decoded* values; the SDK sorts keys, percent-encodes each value
    with ``quote(v, safe='~')`` and leaves keys unencoded (FC's keys are plain identifiers).
    So the raw query is split and unquoted here (``%XX`` only; ``+`` stays a literal plus).
  * it signs every header in the dict it is given (names lowercased and sorted, values
    stripped), so only the headers named by the record's SignedHeaders are passed in.
"""

import base64
import json
from contextlib import contextmanager
from urllib.parse import unquote

from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

ALGORITHM = "ACS3-HMAC-SHA256"


def load_records(file):
    with open(file, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def header_values(record, name):
    return [v for k, v in record["headers"] if k == name]


def body_bytes(record):
    return base64.b64decode(record.get("body_base64") or "")


def parse_authorization(value):
    """'ACS3-HMAC-SHA256 Credential=a,SignedHeaders=b,Signature=c' -> (algorithm, {fields})."""
    algorithm, _, rest = value.partition(" ")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    return algorithm, fields


def _authorization_fields(record):
    values = header_values(record, "authorization")
    if len(values) != 1:
        raise ValueError(f"expected one authorization header, found {len(values)}")
    return parse_authorization(values[0])


def _query_dict(raw):
    # The SDK takes decoded values and encodes them itself; a dict cannot hold a repeated key.
    query = {}
    for part in filter(None, raw.split("&")):
        key, _, value = part.partition("=")
        key = unquote(key, errors="strict")
        if key in query:
            raise ValueError(f"repeated query parameter {key!r}")
        query[key] = unquote(value, errors="strict")
    return query


def _sdk_request(record, signed_names):
    request = DaraRequest()
    request.method = record["method"]
    request.pathname = record["path"]
    request.query = _query_dict(record.get("query") or "")
    headers = {}
    for name in signed_names:
        values = header_values(record, name)
        if len(values) != 1:
            raise ValueError(f"signed header {name!r} appears {len(values)} times")
        headers[name] = values[0]
    request.headers = headers
    return request


def _sdk_authorization(record, signed_names, access_key_id, access_key_secret):
    payload_hash = Utils.hash(body_bytes(record), ALGORITHM).hex()
    request = _sdk_request(record, signed_names)
    return Utils.get_authorization(request, ALGORITHM, payload_hash, access_key_id, access_key_secret)


def _signed_names(record):
    return _authorization_fields(record)[1].get("SignedHeaders", "").split(";")


def expected_authorization(record, access_key_id, access_key_secret):
    """The Authorization header the SDK computes for this record's own signed headers.

    Raises ValueError when that cannot be computed (no/duplicate authorization header, a
    signed header missing or repeated, a repeated query key)."""
    return _sdk_authorization(record, _signed_names(record), access_key_id, access_key_secret)


@contextmanager
def _capture_hash_input(sink):
    # get_authorization builds the canonical request internally and hashes it through
    # Utils.hash; wrapping that call is the only way to see what the SDK actually signed.
    original = Utils.hash
    Utils.hash = staticmethod(lambda raw, sign_type: (sink.append(raw), original(raw, sign_type))[1])
    try:
        yield
    finally:
        Utils.hash = staticmethod(original)


def canonical_request(record):
    """The canonical request text the SDK builds for this record (dummy keys: it is key-free)."""
    seen = []
    signed = _signed_names(record)
    payload_hash = Utils.hash(body_bytes(record), ALGORITHM).hex()
    with _capture_hash_input(seen):
        Utils.get_authorization(_sdk_request(record, signed), ALGORITHM, payload_hash, "id", "key")
    return seen[0].decode("utf-8")


def check(record, access_key_id, access_key_secret):
    """Every reason this request would fail verification; an empty list means it is valid."""
    try:
        algorithm, fields = _authorization_fields(record)
        expected = expected_authorization(record, access_key_id, access_key_secret)
    except ValueError as e:
        return [str(e)]
    problems = []
    actual = header_values(record, "authorization")[0]
    if algorithm != ALGORITHM:
        problems.append(f"algorithm {algorithm!r}, want {ALGORITHM!r}")
    if fields.get("Credential") != access_key_id:
        problems.append(f"Credential {fields.get('Credential')!r}, want {access_key_id!r}")

    body_hash = Utils.hash(body_bytes(record), ALGORITHM).hex()
    if header_values(record, "x-acs-content-sha256") != [body_hash]:
        problems.append(f"x-acs-content-sha256 {header_values(record, 'x-acs-content-sha256')}"
                        f" is not the body's SHA-256 {body_hash}")

    # The SDK signs whatever it is given, so a client signing too little would still match:
    # enforce the documented minimum (host, content-type, every x-acs-* header).
    signed = set(_signed_names(record))
    must = {k for k, _ in record["headers"] if k in ("host", "content-type") or k.startswith("x-acs-")}
    if must - signed:
        problems.append(f"headers sent but not signed: {sorted(must - signed)}")

    if actual != expected:
        problems.append(f"Authorization mismatch:\n  got  {actual}\n  want {expected}\n"
                        f"SDK canonical request:\n{canonical_request(record)}")
    return problems
