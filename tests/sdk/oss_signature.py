"""Check captured OSS requests' OSS4-HMAC-SHA256 signatures with Alibaba's own Python OSS SDK.

The expected Authorization is computed by ``alibabacloud_oss_v2.signer.SignerV4`` from
``alibabacloud-oss-v2`` (pinned in requirements.txt), the signer the SDK's client uses by
default; nothing here hashes or HMACs an OSS signature itself. A capture record (see
``sdk_signature``) is turned back into what the SDK's client hands its signer: an
``HttpRequest`` and a ``SigningContext`` (product, region, bucket, key, credentials, signing
time, additional headers), as ``_client.build_request_context`` builds them.

API:
  is_oss(record)                                 -> its Authorization is OSS4-HMAC-SHA256
  oss_operation(record)                          -> "PutObject", "UploadPart", … (as fc-local names them)
  split_path(path)                               -> (bucket, key) of a path-style path, key decoded
  signing_context(record, credentials, region)   -> the SDK's SigningContext for the record
  expected_authorization(record, creds, region)  -> the Authorization the SDK computes
  canonical_request(record, creds, region)       -> the canonical request the SDK hashed (messages)
  check(record, credentials, region)             -> list of problems; [] means the request is valid
  credentials(id, secret, token=None)            -> the SDK's Credentials

SDK behaviour this relies on (read from alibabacloud_oss_v2/signer/v4.py and _client.py, 1.4.1):
  * the canonical URI is ``quote("/" + bucket + "/" + key, safe="/")`` from the context's
    *decoded* bucket and key, not from the URL; so the key is unquoted from the raw path.
  * the canonical query is taken from the request URL as it is (already encoded), pairs
    sorted, "k" alone for an empty value. The client puts it there with
    ``urlencode(parameters, quote_via=quote)``; the raw query is decoded here and encoded
    again by that same expression, so the binary's encoding is not taken on trust.
  * it signs every ``x-oss-*`` header of the request, ``content-type`` and ``content-md5``,
    plus the additional headers it is given (values not trimmed). So every captured header is
    passed in: a header the binary sent but left out of its signature makes the SDK's
    signature differ.
  * it *sets* ``x-oss-date`` (from the signing time), ``x-oss-content-sha256: UNSIGNED-PAYLOAD``
    and, with a token, ``x-oss-security-token`` before signing, overwriting what was passed
    in; ``check`` therefore compares those three with the captured ones separately.
"""

import datetime
from urllib.parse import quote, unquote, urlencode

from alibabacloud_oss_v2 import defaults
from alibabacloud_oss_v2.signer import SignerV4
from alibabacloud_oss_v2.types import Credentials, HttpRequest, SigningContext

from sdk_signature import header_values, parse_authorization

ALGORITHM = "OSS4-HMAC-SHA256"
# The headers SignerV4._auth_header sets itself (CaseInsensitiveDict keys, any case).
SDK_SET_HEADERS = ("x-oss-date", "x-oss-content-sha256", "x-oss-security-token")


def credentials(access_key_id, access_key_secret, security_token=None):
    return Credentials(access_key_id, access_key_secret, security_token)


def authorization(record):
    values = header_values(record, "authorization")
    if len(values) != 1:
        raise ValueError(f"expected one authorization header, found {len(values)}")
    return values[0]


def is_oss(record):
    return any(v.startswith(ALGORITHM) for v in header_values(record, "authorization"))


def query_params(raw):
    """Decoded query parameters, in order; a dict cannot hold a repeated key."""
    params = {}
    for part in filter(None, (raw or "").split("&")):
        key, _, value = part.partition("=")
        key = unquote(key, errors="strict")
        if key in params:
            raise ValueError(f"repeated query parameter {key!r}")
        params[key] = unquote(value, errors="strict")
    return params


def oss_operation(record):
    """The OSS operation a captured request is, by method and query (fc-local's names)."""
    params = query_params(record.get("query"))
    method = record["method"]
    if method == "HEAD":
        return "HeadObject"
    if method == "PUT":
        return "UploadPart" if "partNumber" in params else "PutObject"
    if method == "POST":
        return "InitiateMultipartUpload" if "uploads" in params else "CompleteMultipartUpload"
    if method == "DELETE":
        return "AbortMultipartUpload"
    return "Unknown"


def split_path(path):
    """'/bucket/a%2Bb/c.zip' -> ('bucket', 'a+b/c.zip'); the key is None for '/bucket/'."""
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} is not /bucket/key")
    bucket, _, key = path[1:].partition("/")
    if not bucket:
        raise ValueError(f"path {path!r} names no bucket")
    return unquote(bucket, errors="strict"), (unquote(key, errors="strict") or None)


def _additional_headers(record):
    fields = parse_authorization(authorization(record))[1]
    names = fields.get("AdditionalHeaders")
    return set(names.split(";")) if names else None


def _signing_time(record):
    dates = header_values(record, "x-oss-date")
    if len(dates) != 1:
        raise ValueError(f"expected one x-oss-date header, found {len(dates)}")
    parsed = datetime.datetime.strptime(dates[0], "%Y%m%dT%H%M%SZ")
    return parsed.replace(tzinfo=datetime.timezone.utc)


def signing_context(record, creds, region):
    """What the SDK's client would hand SignerV4 for this request, before signing."""
    bucket, key = split_path(record["path"])
    additional = _additional_headers(record)
    headers = {}
    for name, value in record["headers"]:
        if name == "authorization":
            continue
        signable = (name.startswith("x-oss-") or name in ("content-type", "content-md5")
                    or name in (additional or ()))
        if name in headers and signable:
            raise ValueError(f"signable header {name!r} appears more than once")
        headers[name] = value
    # As _client.build_request_context: path-style URL, then "?" + the encoded parameters.
    url = f"http://{headers.get('host', 'oss')}{record['path']}"
    query = urlencode(query_params(record.get("query")), quote_via=quote)
    if query:
        url = f"{url}?{query}"
    request = HttpRequest(method=record["method"], url=url, headers=headers)
    return SigningContext(
        product=defaults.DEFAULT_PRODUCT,
        region=region,
        bucket=bucket,
        key=key,
        request=request,
        credentials=creds,
        signing_time=_signing_time(record),
        additional_headers=additional,
    )


def _signed(record, creds, region):
    context = signing_context(record, creds, region)
    SignerV4().sign(context)
    return context


def expected_authorization(record, creds, region):
    """The Authorization the SDK computes for this record at its own x-oss-date.

    Raises ValueError when the record cannot be rebuilt (no/duplicate authorization or
    x-oss-date, a signable header repeated, a repeated query key, a path not /bucket/key)."""
    return _signed(record, creds, region).request.headers["Authorization"]


def canonical_request(record, creds, region):
    """The canonical request the SDK builds for this record (for messages)."""
    context = signing_context(record, creds, region)
    signer = SignerV4()
    signer.sign(context)  # sets the headers the canonical request includes
    names = signer._common_additional_headers(context.request, context.additional_headers)
    return signer._calc_canonical_request(signing_ctx=context, additional_headers=names)


def check(record, creds, region):
    """Every reason OSS would refuse this request's signature; [] means it is valid."""
    try:
        actual = authorization(record)
        context = _signed(record, creds, region)
    except ValueError as e:
        return [str(e)]
    problems = []
    if not actual.startswith(ALGORITHM + " "):
        problems.append(f"algorithm of {actual!r} is not {ALGORITHM}")
    # The SDK overwrote these with its own values before signing: the request is only what
    # the SDK would send if the captured ones are exactly those.
    for name in SDK_SET_HEADERS:
        want = context.request.headers.get(name)
        got = header_values(record, name)
        if got != ([want] if want is not None else []):
            problems.append(f"{name} sent {got}, the SDK sends {want!r}")
    expected = context.request.headers["Authorization"]
    if actual != expected:
        problems.append(f"Authorization mismatch:\n  got  {actual}\n  want {expected}\n"
                        f"SDK canonical request:\n{canonical_request(record, creds, region)}")
    return problems
