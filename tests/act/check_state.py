"""After an act workflow: check fc-local's state and the job log from outside the job.

Usage: check_state.py WORKFLOW ENDPOINT STS_ENDPOINT LOG SECRET TOKEN
Exits non-zero with a message on the first mismatch.
"""

import json
import sys
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_FILES = ["bin/", "bin/hello", "python/", "python/hello/", "python/hello/__init__.py"]


def state(endpoint):
    with urllib.request.urlopen(f"{endpoint}/_local/state", timeout=10) as reply:
        return json.load(reply)["layers"]


def full_state(endpoint):
    with urllib.request.urlopen(f"{endpoint}/_local/state", timeout=10) as reply:
        return json.load(reply)


def oss_objects(endpoint):
    return full_state(endpoint)["ossObjects"]


def open_uploads(endpoint):
    return full_state(endpoint)["openUploads"]


def only_version(layers, name):
    versions = list(layers.get(name, {}).get("versions", {}).values())
    assert len(versions) == 1, f"{name}: expected one version, found {len(versions)}"
    return versions[0]


def files(version):
    return [entry["name"] for entry in version["files"]]


def check(workflow, endpoint, sts_endpoint, log):
    layers, sts_layers = state(endpoint), state(sts_endpoint)
    if workflow == "publish-directory":
        version = only_version(layers, "act-directory")
        assert version["compatibleRuntime"] == ["python3.10", "python3.9"], version
        assert version["description"] == "Published by act", version
        assert version["license"] == "MIT", version
        assert files(version) == EXAMPLE_FILES, files(version)
        assert "outputs match the service's record of act-directory" in log
    elif workflow == "publish-zip":
        fixture = ROOT / "tests/act/fixtures/prebuilt-layer.zip"
        version = only_version(layers, "act-zip")
        assert version["codeSize"] == fixture.stat().st_size, version
        assert files(version) == zipfile.ZipFile(fixture).namelist(), files(version)
        assert version["compatibleRuntime"] == ["nodejs20"], version
        assert "outputs match the service's record of act-zip" in log
    elif workflow == "credentials-env":
        # This service requires the token, so a version there proves it was sent and right.
        assert files(only_version(sts_layers, "act-sts")) == EXAMPLE_FILES
        assert "act-sts" not in layers
        assert "outputs match the service's record of act-sts" in log
    elif workflow == "failures":
        for name in ["1-starts-with-a-digit", "act-bad-signature"]:
            assert name not in layers, f"{name} was published"
        assert "::error::input `layer-name`: \"1-starts-with-a-digit\" must start with a letter" in log, \
            "the job log lacks the layer-name error"
        assert "ListLayerVersions failed: HTTP 403 SignatureNotMatch" in log, \
            "the job log lacks the signature error"
    elif workflow == "oss-temp-bucket":
        version = only_version(layers, "act-temp-bucket")
        assert files(version) == EXAMPLE_FILES, files(version)
        assert any(name.startswith("fc-local-temp/1234567890123456/") for name in oss_objects(endpoint)), \
            "nothing was uploaded to the temporary bucket"
        assert "FC lent its temporary bucket fc-local-temp" in log
    elif workflow == "oss-own-bucket":
        version = only_version(layers, "act-own-bucket")
        key = f"act-artifacts/fc-layers/act-own-bucket/{version['codeChecksum']}.zip"
        assert key in oss_objects(endpoint), f"{key} was not uploaded"
        from_object = only_version(layers, "act-from-object")
        assert from_object["codeChecksum"] == version["codeChecksum"], from_object
        assert files(from_object) == EXAMPLE_FILES, files(from_object)
    elif workflow == "oss-auto-large":
        version = only_version(layers, "act-large")
        assert version["codeSize"] > 78_643_200, version["codeSize"]
        assert files(version) == ["lib/", "lib/blob.bin"], files(version)
        # As the packager passes 8 MiB the link model sends it through OSS, uploaded as it is
        # packaged; had the link gone unmeasured, its size would have after packaging.
        assert "goes through OSS, uploaded as it is packaged" in log \
            or "upload: auto, and its Base64 is over FC's inline limit" in log
        assert open_uploads(endpoint) == 0, "a multipart upload was left open"
    elif workflow == "publish-twice":
        version = only_version(layers, "act-twice")
        assert version["version"] == 1, version
        assert "second step reused the version of the first (true 1 then false 1)" in log, \
            "the job log lacks the second step's reuse"
    elif workflow == "keyless-oidc":
        assert files(only_version(layers, "act-keyless")) == EXAMPLE_FILES
        assert "Acting as acs:ram::1234567890123456:role/fc-publisher" in log, \
            "the job log does not say the role was assumed"
        assert "outputs match the service's record of act-keyless" in log
        # fc-local's security tokens start so; one outside a mask line is a leak.
        shown = [line for line in log.splitlines()
                 if "fc-local-sts-" in line and "add-mask" not in line]
        assert not shown, f"the role's security token is shown: {shown}"
    elif workflow == "rollout":
        arn = only_version(layers, "act-rollout")["layerVersionArn"]
        functions = full_state(endpoint)["functions"]
        official = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2"
        assert functions["act-api"]["layers"] == [official, arn], functions["act-api"]
        assert functions["act-worker"]["layers"] == [arn], functions["act-worker"]
        for name in ["act-api", "act-worker"]:
            assert functions[name]["updates"] == 1, functions[name]
            assert functions[name]["lastUpdateStatus"] == "Successful", functions[name]
        assert "rolled out to act-api,act-worker" in log, "the job log lacks the later step's check"
    elif workflow == "release":
        # One layer version: the promotion published none.
        arn = only_version(layers, "act-release")["layerVersionArn"]
        function = full_state(endpoint)["functions"]["act-release"]
        official = "acs:fc:cn-hangzhou:official:layers/Python310/versions/2"
        assert function["layers"] == [official, arn], function
        assert function["updates"] == 1, function
        # Exactly one new function version, with the new layers, and prod on it alone.
        versions = {v["versionId"]: v["layers"] for v in function["versions"]}
        assert versions == {"1": [official], "2": [official, arn]}, versions
        prod = function["aliases"]["prod"]
        assert (prod["versionId"], prod["additionalVersionWeight"]) == ("2", {}), prod
        assert "canary checked: version 2 at 10% of prod" in log, "the canary job's check is missing"
        assert "promotion checked: prod on version 2, no canary" in log, \
            "the promotion job's check is missing"
    elif workflow == "publish-regions":
        for region in ["cn-hangzhou", "ap-southeast-1"]:
            version = only_version(state(f"{endpoint}/{region}"), "act-regions")
            assert version["layerVersionArn"].startswith(f"acs:fc:{region}:"), version
            assert files(version) == EXAMPLE_FILES, files(version)
        assert "act-regions" not in layers, "published outside the regions' prefixes"
        assert "layerVersionArns match the service's record in cn-hangzhou ap-southeast-1" in log
        assert "[ap-southeast-1] Published acs:fc:ap-southeast-1:" in log
    elif workflow == "publish-reinstalled":
        version = only_version(layers, "act-reinstalled")
        assert version["version"] == 1, version
        assert "second install reused the version of the first (true 1 then false 1)" in log, \
            "the job log lacks the second install's reuse"
        names = files(version)
        assert not any("__pycache__" in name for name in names), names
        assert "python/requests/api.py" in names, names
    elif workflow == "recipe-python":
        version = only_version(layers, "act-recipe-python")
        assert version["compatibleRuntime"] == ["python3.10"], version
        names = files(version)
        for module in ["numpy/_core/_multiarray_umath", "pandas/_libs/lib"]:
            assert f"python/{module}.cpython-310-x86_64-linux-gnu.so" in names, f"no {module} for 3.10"
        # The job's own Python is 3.11: nothing of its version, nor bytecode, went in.
        assert not any("cpython-311" in name or name.endswith(".pyc") for name in names), names
        assert "outputs match the service's record of act-recipe-python" in log
    elif workflow == "recipe-nodejs":
        version = only_version(layers, "act-recipe-nodejs")
        assert version["compatibleRuntime"] == ["nodejs20"], version
        names = files(version)
        assert "nodejs/node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node" in names, names
        assert any(name.startswith("nodejs/node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so")
                   for name in names), names
        # Only linux/x64/glibc builds: no other platform's package came along.
        others = [name for name in names if name.startswith("nodejs/node_modules/@img/sharp-")
                  and "-linux-x64/" not in name]
        assert not others, others
        assert "outputs match the service's record of act-recipe-nodejs" in log
        assert "sharp from the layer made a " in log, "the job log lacks sharp's PNG"
    elif workflow == "recipe-custom":
        version = only_version(layers, "act-recipe-custom")
        assert version["compatibleRuntime"] == ["custom.debian12"], version
        assert files(version) == ["bin/", "bin/jq", "lib/", "lib/libjq.so.1", "lib/libonig.so.5"], \
            files(version)
        assert "outputs match the service's record of act-recipe-custom" in log
        assert "jq from the layer read custom" in log, "the job log lacks jq's run"
    else:
        raise SystemExit(f"unknown workflow {workflow}")


def main():
    workflow, endpoint, sts_endpoint, log_path, secret, token = sys.argv[1:]
    log = Path(log_path).read_text(encoding="utf-8", errors="replace")
    try:
        check(workflow, endpoint, sts_endpoint, log)
        for value in [secret, token]:
            assert value not in log, "a secret appears in the job log"
    except AssertionError as error:
        raise SystemExit(f"check_state {workflow}: {error}")


if __name__ == "__main__":
    main()
