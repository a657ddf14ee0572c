//! A process that panics the way a bug in the action would: the action's hook installed
//! first, as `main` does, a secret masked through the real reporter, then a panic whose
//! message holds the secret, on the main thread or (with `thread`) on a worker.

use std::io;

use fc_layer_action::credentials::{Masker, Secret};
use fc_layer_action::panic_report;
use fc_layer_action::report::Workflow;

fn main() {
    panic_report::install();
    let mut args = std::env::args().skip(1);
    let secret = args.next().unwrap_or_default();
    let on_worker = args.next().as_deref() == Some("thread");
    Workflow::<_, Vec<u8>>::new(io::stdout(), None).mask(&Secret::new(secret.clone()));
    let fail = move || panic!("a reply held {secret}\n::warning::injected");
    if on_worker {
        let _ = std::thread::spawn(fail).join();
        std::process::exit(1);
    }
    fail();
}
