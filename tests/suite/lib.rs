//! Empty: cargo wants a library or a binary in every package, and the suite is a test target.
