//! Credentials a server lends: FC 2.0's temporary bucket, and STS for an assumed role. Each
//! field must be a string; the secrets are masked before anything else is looked at; then
//! each is checked to be non-empty, printable ASCII and at most [`MAX_CREDENTIAL_BYTES`]. A
//! problem is described without quoting any value, since the value may be the secret.

use serde_json::Value;

use super::{Credentials, Masker, Secret};

/// The longest lent credential taken; STS tokens are about 1 to 2 KiB.
const MAX_CREDENTIAL_BYTES: usize = 4096;

/// The credentials in `object` (named `name` in the reply, for messages), their secrets
/// masked. `Err` says which field is wrong and how.
pub(crate) fn from_json(
    name: &str,
    object: Option<&Value>,
    masker: &mut dyn Masker,
) -> Result<Credentials, String> {
    let fields = ["AccessKeyId", "AccessKeySecret", "SecurityToken"];
    for field in &fields[1..] {
        if let Some(Value::String(secret)) = object.and_then(|object| object.get(field)) {
            masker.mask(&Secret::new(secret.clone()));
        }
    }
    let mut values = Vec::with_capacity(fields.len());
    for field in fields {
        let problem = match object.and_then(|object| object.get(field)) {
            Some(Value::String(value))
                if (1..=MAX_CREDENTIAL_BYTES).contains(&value.len())
                    && value.bytes().all(|byte| byte.is_ascii_graphic()) =>
            {
                values.push(value.clone());
                continue;
            }
            Some(Value::String(value)) if value.is_empty() => "is empty".to_owned(),
            Some(Value::String(value)) if value.len() > MAX_CREDENTIAL_BYTES => {
                format!("is over {MAX_CREDENTIAL_BYTES} bytes")
            }
            Some(Value::String(_)) => "holds characters other than printable ASCII".to_owned(),
            Some(_) => "is not a string".to_owned(),
            None => "is missing".to_owned(),
        };
        return Err(format!("{name}.{field} {problem}"));
    }
    let [access_key_id, access_key_secret, security_token] =
        <[String; 3]>::try_from(values).map_err(|_| format!("{name} is incomplete"))?;
    // Masked above, before the checks, as `adopt` would: every secret lent is masked,
    // whether or not it passes.
    Ok(Credentials {
        access_key_id,
        access_key_secret: Secret::new(access_key_secret),
        security_token: Some(Secret::new(security_token)),
    })
}
