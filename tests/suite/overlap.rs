//! A directory uploaded to OSS while it is packaged, against fc-local's OSS: the parts go up
//! as the packager writes them and the object is the zip, CRC-64 and all; a packaging that
//! fails part way aborts the multipart upload and leaves nothing in the bucket.

use crate::common;

use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::oss::upload::{UploadError, UploadTarget, upload_while_packaging};
use fc_layer_action::oss_names::BucketName;
use fc_layer_action::package::{self, Options, PackageError, Watched, Written};
use fc_layer_action::report::Workflow;
use serde_json::Value;
use tokio::sync::watch;

/// A layer of `blobs` incompressible files of `mb` MB each, and a small file after them.
fn layer(root: &Path, blobs: u64, mb: usize) {
    fs::create_dir_all(root.join("lib")).expect("mkdir");
    for index in 0..blobs {
        let blob = root.join(format!("lib/blob-{index}.bin"));
        fs::write(blob, noise(mb << 20, index)).expect("writes");
    }
    fs::write(root.join("lib/z.txt"), "the last file\n").expect("writes");
}

/// A file on a disk that is full once `left` more bytes are written.
struct FullAfter {
    file: fs::File,
    left: usize,
}

impl std::io::Write for FullAfter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let taken = bytes.len().min(self.left);
        let written = self.file.write(&bytes[..taken])?;
        self.left -= written;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Uploads what `packager` writes, on its own thread, to `my-bucket/key`; returns what the
/// upload said and the log.
fn overlapped<P>(
    server: &FcLocal,
    zip: &Path,
    key: &str,
    packager: P,
) -> (Result<(), UploadError>, String)
where
    P: FnOnce(watch::Sender<Written>) + Send,
{
    let (sender, receiver) = watch::channel(Written::Bytes(0));
    thread::scope(|scope| {
        let packaging = scope.spawn(move || packager(sender));
        let result = upload(server, zip, key, receiver);
        packaging.join().expect("the packager ends");
        result
    })
}

fn upload(
    server: &FcLocal,
    zip: &Path,
    key: &str,
    receiver: watch::Receiver<Written>,
) -> (Result<(), UploadError>, String) {
    let client = common::oss_client(&server.url);
    let bucket = BucketName::parse("my-bucket").expect("bucket");
    let target = UploadTarget::new(&bucket, key, 2);
    let mut log = Vec::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        let mut reporter = Workflow::new(&mut log, None::<Vec<u8>>);
        upload_while_packaging(&client, &target, zip, receiver, &mut reporter).await
    });
    (result, String::from_utf8(log).expect("utf-8"))
}

#[test]
fn a_directory_goes_up_in_parts_as_it_is_packaged_and_the_object_is_the_zip() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    layer(&work.path().join("layer"), 5, 9);
    let temp = package::temporary_zip(work.path()).expect("temporary zip");
    let zip = temp.path().to_owned();
    let root = work.path().join("layer");
    let mut made = None;
    let (result, log) = overlapped(&server, &zip, "overlap.zip", |sender| {
        made = Some(package::zip_watched(
            &root,
            temp,
            u64::MAX,
            &Options::default(),
            sender,
        ));
    });
    result.unwrap_or_else(|error| panic!("{error}\n{log}"));
    let package = made.expect("packaged").expect("packages");
    assert!(log.contains("as the zip is packaged"), "{log}");
    assert!(log.contains("Parts of 8 MiB"), "{log}");
    let stored = &server.state()["ossObjects"]["my-bucket/overlap.zip"];
    assert_eq!(stored.as_u64(), Some(package.size), "{}", server.state());
    let bytes = fs::read(package.path()).expect("the zip stays on disk");
    assert_eq!(crc64_xz(&bytes), package.checksum);
    let client = common::oss_client(&server.url);
    let bucket = BucketName::parse("my-bucket").expect("bucket");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let head = runtime
        .block_on(client.head(&bucket, "overlap.zip"))
        .expect("head")
        .expect("the object is there");
    assert_eq!(head.crc64.as_deref(), Some(package.checksum.as_str()));
}

#[test]
fn a_packaging_that_fails_part_way_aborts_its_upload_and_leaves_nothing() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("layer");
    layer(&root, 3, 10);
    let zip = work.path().join("layer.zip");
    let file = fs::File::create(&zip).expect("creates");
    let server_ref = &server;
    let (result, log) = overlapped(&server, &zip, "failed.zip", move |sender| {
        // The disk fills 24 MiB in: the packager fails with parts already written (a file
        // changed after the walk is found by the batches running ahead, before the writing
        // reaches it, so it no longer fails part way).
        let full_after = FullAfter {
            file,
            left: 24 << 20,
        };
        let watched = Watched::new(full_after, sender.clone());
        let zipped = package::zip_dir::zip_directory_between(&root, watched, u64::MAX, || ());
        let Err(error) = zipped else {
            panic!("the packaging should fail");
        };
        assert!(matches!(error, PackageError::Io { .. }), "{error}");
        // Said only once parts are in OSS, so that there is something to abort.
        let deadline = Instant::now() + Duration::from_secs(60);
        while server_ref.state()["openUploadsWithParts"] != 1 {
            assert!(Instant::now() < deadline, "no part went up");
            thread::sleep(Duration::from_millis(20));
        }
        sender.send_replace(Written::Failed);
    });
    assert!(
        matches!(result, Err(UploadError::PackagingStopped)),
        "{result:?}\n{log}"
    );
    let state = server.state();
    assert_eq!(state["openUploads"], 0, "{state}");
    assert_eq!(
        state["ossObjects"],
        Value::Object(Default::default()),
        "{state}"
    );
}

#[test]
fn upload_oss_of_a_directory_packages_and_uploads_at_once_and_publishes_that_zip() {
    let server = FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("layer");
    layer(&root, 3, 9);
    let outputs_path = work.path().join("github_output");
    let envs: Vec<(&str, &str)> = vec![
        ("INPUT_LAYER-NAME", "big-layer"),
        ("INPUT_CODE", root.to_str().expect("utf-8")),
        ("INPUT_UPLOAD", "oss"),
        ("INPUT_REGION", "cn-hangzhou"),
        ("INPUT_ENDPOINT", &server.url),
        ("INPUT_OSS-ENDPOINT", &server.url),
        ("INPUT_STS-ENDPOINT", &server.url),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
        ("RUNNER_TEMP", work.path().to_str().expect("utf-8")),
        ("GITHUB_OUTPUT", outputs_path.to_str().expect("utf-8")),
    ];
    let output = run_action(work.path(), &envs);
    let log = stdout(&output);
    assert!(output.status.success(), "{log}{}", stderr(&output));
    let outputs = parse_github_output(&fs::read_to_string(&outputs_path).expect("outputs"));
    let output_of = |name: &str| {
        outputs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .expect("output")
    };
    let upload = log.find("as the zip is packaged").expect(&log);
    let zipped = log.find("as it went up").expect(&log);
    assert!(
        upload < zipped,
        "the upload began before the zip was whole: {log}"
    );
    assert!(
        !log.contains(" bytes to oss://"),
        "not uploaded again: {log}"
    );
    let objects = &server.state()["ossObjects"];
    let size: u64 = output_of("codeSize").parse().expect("size");
    assert_eq!(
        objects["fc-local-temp/1234567890123456/fc-local-1.zip"].as_u64(),
        Some(size),
        "{objects}"
    );
    let version = &server.versions("big-layer")[0];
    assert_eq!(version["codeChecksum"], output_of("codeChecksum").as_str());
}

#[test]
fn the_packager_says_done_with_the_zip_s_checksum_or_failed() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = work.path().join("layer");
    layer(&root, 1, 1);
    let (sender, receiver) = watch::channel(Written::Bytes(0));
    let temp = package::temporary_zip(work.path()).expect("temporary zip");
    let made =
        package::zip_watched(&root, temp, u64::MAX, &Options::default(), sender).expect("packages");
    assert_eq!(
        *receiver.borrow(),
        Written::Done {
            size: made.size,
            checksum: made.checksum.clone()
        }
    );

    let empty = work.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    let (sender, receiver) = watch::channel(Written::Bytes(0));
    let temp = package::temporary_zip(work.path()).expect("temporary zip");
    let failed = package::zip_watched(&empty, temp, u64::MAX, &Options::default(), sender);
    assert!(
        matches!(failed, Err(PackageError::Empty { .. })),
        "{failed:?}"
    );
    assert_eq!(*receiver.borrow(), Written::Failed);
}
