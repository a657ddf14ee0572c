//! Publishes Alibaba Cloud Function Compute 3.0 layer versions from a GitHub Actions step.
//!
//! The binary (`src/main.rs`) only wires the process to this library: it reads the
//! environment, opens `GITHUB_OUTPUT`, builds the real transport and reporter, and calls
//! [`publish::run_step`]. Everything else lives here, mostly as pure functions over values
//! handed in, so that tests and the local service (the workspace's `fc-local` crate, which
//! depends on this one and never ships in the action) use the very same code.
//!
//! # Layout
//! One line per module; the README's copy of this block is checked against it
//! (`tests/suite/layout.rs`), as is every file under `src/`; `tests/tools/sync_layout.py`
//! copies it there.
//!
//! ```text
//! src/
//!   main.rs                 the action's binary: `entry::main`, nothing else
//!   entry.rs                the process's wiring: environment, stdout, GITHUB_OUTPUT, network → run_step
//!   lib.rs                  crate docs and this map
//!   publish/mod.rs          the plan: run_step → read_settings → publish → verdict, over a Transport and a Reporter
//!   publish/environment.rs  the process's variables and working directory, handed in
//!   publish/assume.rs       the credentials every call uses: the keys, or the role assumed once
//!   publish/prepare.rs      once for every region: the code packaged, its route, what is inside; the offline end
//!   publish/source.rs       the code input packaged on disk, or an OSS object looked up; the route
//!   publish/contents.rs     what is inside the zip, logged and checked; `check: error` stops here
//!   publish/shared.rs       what every region's pipeline reads: settings, zip, route, credentials
//!   publish/fan_out.rs      the regions side by side (one a list of one), four calls in flight among them
//!   publish/region.rs       one region's pipeline: list, decide, publish or reuse, ACL, rollout, delete
//!   publish/region_log.rs   one region's log: live when alone, prefixed and groups written whole among others
//!   publish/calls.rs        FC calls with retries, and the paged listing
//!   publish/listing.rs      the layer's versions before anything is written
//!   publish/dry_run.rs      how a dry run ends: what would happen, nothing written
//!   publish/stage.rs        the zip put where the create takes it: inline, an own bucket, FC's bucket; auto's route settled
//!   publish/measure.rs      the link measured for auto: one HEAD's round trip to a host; the calls OSS adds
//!   publish/link.rs         the link model `upload: auto` routes by, pure: round trips and size → inline or OSS
//!   publish/overlap.rs      a directory packaged and uploaded at once (oss, or auto when the link says OSS; one region, FC's temporary bucket)
//!   publish/lend.rs         FC's temporary bucket lent, before the regions or in a region's turn
//!   publish/inline_body.rs  the inline create's request made once; the slot large uploads take in turn
//!   publish/versions.rs     the steps that change the layer: create (never twice), ACL, delete
//!   publish/rollout.rs      `functions` moved to the version, 4 at a time: GetFunction, UpdateFunction, poll
//!   publish/function_scan.rs  the region's functions and their layers: `functions: '*'`, what is in use
//!   publish/release.rs      `alias`: a function version with the new layers, then the alias moved to it
//!   publish/function_versions.rs  PublishFunctionVersion once: looked for after an unknown outcome
//!   publish/in_use.rs       keep-versions spares the versions functions and aliases still use
//!   publish/outputs.rs      the outputs, all in one write
//!   publish/verdict.rs      how the step ends: failures reported, outputs and summary written, in one place
//!   outcome.rs              how a run ends: the Outcome, or the Failure and why
//!   lifecycle.rs            one version per change, pure: decide, doomed, adoptable, highest
//!   retry.rs                Retries, the one way a call is tried again: waits said, create_once
//!   backoff.rs              which failures are worth another try (Transient), and the waits; a leaf
//!   rollout/mod.rs          the rollout as pure values: TargetVersion, FunctionResult and their statuses
//!   rollout/plan.rs         a function's new layer list, and the layer's family of ARNs
//!   rollout/settled.rs      what a function needs next: nothing only when Successful on the new list
//!   release/mod.rs          a function released through an alias, as pure plans; no I/O
//!   release/plan.rs         reuse an alias's version with the wanted layers or publish; adopt after a lost reply; `*`
//!   release/alias_change.rs CreateAlias, UpdateAlias or nothing, for a version and a weight, with a note
//!   release/in_use.rs       the layer's versions functions run (LATEST, aliases); keep-versions sparing them
//!   summary.rs              the job summary's Markdown, every value redacted then escaped
//!   summary/functions.rs    the rollout's table
//!   summary/contents.rs     the "What is inside" section: files, left out, largest folders, findings, fixes
//!   regions_summary.rs      the job summary of several regions: a row per region, the version drift line
//!   inputs/mod.rs           INPUT_* text → Settings, built whole; Access (offline, or keys or a role in regions)
//!   inputs/raw.rs           RawInputs: the INPUT_* variables by Input, secrets as Secret
//!   inputs/error.rs         InputError, which names the input at fault; required and check
//!   inputs/code.rs          `code`: a path to package, or an OSS object in the first region
//!   inputs/lifecycle.rs     skip-unchanged, keep-versions, acl, retries, dry-run
//!   inputs/regions.rs       `region` or `regions`: Regions, each region's endpoint and OSS route overlaid
//!   inputs/oss.rs           `upload` and the OSS and STS inputs: shared ones once, `oss-endpoint` and `oss-bucket` per region
//!   inputs/locations.rs     where OSS and STS calls go: own bucket or FC's temporary bucket, lender, account
//!   inputs/keys.rs          the AccessKey inputs, then ALIBABA_CLOUD_*, as a credential chain
//!   inputs/role.rs          who the run acts as: keys, or a role (OIDC inputs, AssumeRole, the environment's chain)
//!   inputs/functions.rs     `functions` (names, or `*`: Functions) and `function-update-timeout`
//!   inputs/alias.rs         `alias` and `alias-weight`
//!   inputs/contents.rs      `exclude`, `python-bytecode` and `check`
//!   interface.rs            the input and output names action.yml and the README must declare
//!   credentials/mod.rs      Credentials and Secret (redacted in Debug), Masker, adopt(); a leaf
//!   credentials/chain.rs    providers tried in order: the inputs, then ALIBABA_CLOUD_*
//!   credentials/role.rs     a role to assume, validated: ARNs, session name, duration, token source
//!   credentials/lent.rs     credentials a service lends (STS, FC 2.0): masked first, then checked
//!   sts/mod.rs              the calls credentials come from, above the client
//!   sts/caller_identity.rs  GetCallerIdentity: the account id
//!   sts/assume.rs           a role assumed: the token got (GitHub or a file), then STS; masked on arrival
//!   sts/assume_role.rs      AssumeRole (ACS3, role chaining) and the credentials of an STS reply
//!   sts/oidc.rs             AssumeRoleWithOIDC: anonymous, a form body
//!   sts/github_token.rs     the job's OIDC token from ACTIONS_ID_TOKEN_REQUEST_URL
//!   fc/mod.rs               the FC domain as data
//!   fc/layer_name.rs        LayerName, checked as FC does
//!   fc/limits.rs            FC's sizes and counts, and Base64's
//!   fc/runtimes.rs          the one runtime table: known names, language, Python, Debian, glibc
//!   fc/regions.rs           the regions FC 3.0 is known to run in; the one a typo likely meant
//!   fc/request.rs           ApiRequest: each call's method, path, query and body
//!   fc/reply.rs             Layer, the listing's pages, ServiceError
//!   fc/function.rs          FunctionName, GetFunction's reply, UpdateFunction's body
//!   fc/qualifier.rs         GetFunction at a published version
//!   fc/function_list.rs     ListFunctions and its pages: each function's name and layers
//!   fc/versions.rs          FunctionVersion; PublishFunctionVersion, ListFunctionVersions
//!   fc/alias.rs             AliasName, Alias; GetAlias, CreateAlias, UpdateAlias
//!   cloud.rs                Region and AccountId, parsed once
//!   endpoint.rs             a service's base URL from a host or a full URL; the default hosts
//!   sign/mod.rs             the one request description every scheme signs, SigningOutput
//!   sign/primitives.rs      SHA-256, HMAC-SHA256, the date formats, canonical query and headers
//!   sign/acs3.rs            ACS3-HMAC-SHA256 (FC 3.0, STS): canonical request, string to sign
//!   sign/oss_v4.rs          OSS4-HMAC-SHA256 (OSS uploads)
//!   sign/fc2.rs             the FC 2.0 signature (tempBucketToken)
//!   client.rs               FcClient: signs ApiRequests, sends them through a Transport, parses replies
//!   clock.rs                Signing: the clock and nonce source a run signs with, chosen once in entry.rs
//!   http.rs                 the Transport trait, HttpRequest and HttpReply, TransportError
//!   http/network.rs         the real transport: reqwest with no redirects, bounded replies, an idle timeout
//!   proxy.rs                which proxy a URL goes through (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY)
//!   report.rs               the Reporter trait and Workflow, the real one (masks, annotations, outputs)
//!   report/buffered.rs      lines of concurrent work kept to replay in one piece; SharedBuffer
//!   redact.rs               the secrets masked so far, replaced in one value at a time
//!   outside_text.rs         text from servers capped at 1 KiB before it is shown
//!   error_chain.rs          an error printed with its causes, as anyhow's {:#}
//!   github.rs               workflow command and GITHUB_OUTPUT text formats
//!   panic_report.rs         a panic as one redacted ::error:: annotation
//!   package/mod.rs          the code input as a zip on disk: Package, Options, PackageError
//!   package/zip_dir.rs      a directory zipped reproducibly, memory bounded
//!   package/zip_entries.rs  the entries written in walk order: small files whole, large ones by chunk
//!   package/walk.rs         what goes in: the tree walked, sizes checked, nothing opened
//!   package/open.rs         a listed file opened once: no link followed, checked on the handle
//!   package/writer.rs       the zip format, front to back, hashed as it goes
//!   package/watched.rs      a zip being written, its progress told to the upload overlapping it
//!   package/deflate.rs      libdeflate: small files whole, large ones in chunks that join
//!   package/sync_flush.rs   a whole deflate stream made to join the next: its final block made non-final, a sync flush after
//!   package/sync_flush/huffman.rs  deflate's Huffman codes as lookup tables: what each symbol takes, what follows
//!   package/sync_flush/tests.rs  its tests: libdeflate's chunks joined and read back by zlib; hostile streams
//!   package/schedule.rs     runs of small files and chunks of large ones on every core, in walk order
//!   package/check.rs        a prebuilt zip checked, bounded: sizes, overlaps, links, encryption
//!   package/select.rs       what goes in: .fcignore, exclude, python-bytecode
//!   package/ignore_file.rs  a .fcignore read like the layer's files: no link followed, bounded
//!   package/entry_rules.rs  what a layer may hold, for a directory and a zip alike: names, links
//!   package/inspect.rs      each file's machine, glibc and place in the layout
//!   package/modules.rs      each Python runtime named finds a build of each extension module
//!   package/finding.rs      one problem the checks found, and what fixes it
//!   package/fix.rs          the fix for a runtime: pip's flags, npm's, the system to build on
//!   package/platform.rs     the runtimes a layer is for, from fc/runtimes.rs
//!   package/keep.rs         the bytes of a file the checks need, kept as it streams
//!   package/contents.rs     the tally for the log and the summary
//!   oss_names.rs            the names OSS accepts (buckets, keys, oss://), a leaf
//!   oss/mod.rs              large layers through OSS
//!   oss/location.rs         virtual-hosted or path-style hosts
//!   oss/client.rs           the signed calls, one OssCall value each
//!   oss/error.rs            OssError, read from OSS's error documents; which are retried
//!   oss/upload.rs           PutObject or multipart, CRC-64 checked, aborted on failure
//!   oss/pace.rs             part size and parts in flight, adapted to the parts measured
//!   oss/parts.rs            a multipart upload of a zip on disk, whole or still being written
//!   oss/xml.rs              the few XML replies read
//!   temp_bucket.rs          FC 2.0's temporary bucket; lent credentials masked on arrival
//!   checksum.rs             CRC-64/XZ, FC's codeChecksum
//!   encode.rs               RFC 3986 percent-encoding, and lower-case hex
//!   random.rs               nonces and delimiters from the OS; the nonce source handed to the FC client
//! ```

pub(crate) mod backoff;
pub mod checksum;
pub mod client;
pub mod clock;
pub mod cloud;
pub mod credentials;
pub mod encode;
pub mod endpoint;
pub mod entry;
pub(crate) mod error_chain;
pub mod fc;
pub mod github;
pub mod http;
pub mod inputs;
pub mod interface;
pub(crate) mod lifecycle;
pub mod oss;
pub mod oss_names;
pub mod outcome;
pub(crate) mod outside_text;
pub mod package;
pub mod panic_report;
pub mod proxy;
pub mod publish;
pub mod random;
pub(crate) mod redact;
pub(crate) mod regions_summary;
pub(crate) mod release;
pub mod report;
pub(crate) mod retry;
pub(crate) mod rollout;
pub mod sign;
pub mod sts;
pub(crate) mod summary;
pub mod temp_bucket;
