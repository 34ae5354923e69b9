//! Text values that validate on parse: once you hold one, it is well-formed.

use std::fmt;

use crate::ValidationError;

/// At most `max_chars` characters as sent (before trimming), so that the limit a client reads
/// in the API document is the one applied.
pub(crate) fn within_length(
    field: &str,
    raw: &str,
    max_chars: usize,
) -> Result<(), ValidationError> {
    let chars = raw.chars().count();
    if chars > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters (got {chars})"),
        ));
    }
    Ok(())
}

/// Trims, collapses inner runs of whitespace to one space, and checks length and characters.
pub(crate) fn clean_text(
    field: &str,
    raw: &str,
    max_chars: usize,
) -> Result<String, ValidationError> {
    if raw.chars().any(|c| c.is_control()) {
        return Err(ValidationError::new(
            field,
            "must not contain control characters such as line breaks or tabs",
        ));
    }
    within_length(field, raw, max_chars)?;
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(ValidationError::new(field, "must not be empty"));
    }
    Ok(cleaned)
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, field = $field:literal, max = $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                clean_text($field, raw, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// The name of an alliance or an organisation, as people write it.
    Name, field = "name", max = 200
);
text_type!(
    /// How a person is shown to others.
    DisplayName, field = "display_name", max = 100
);
text_type!(
    /// A label a person gives a personal access token ("laptop", "reporting script").
    TokenName, field = "name", max = 100
);

impl Name {
    /// The form compared for uniqueness: "East Midlands  Alliance" and "east midlands alliance"
    /// name the same thing. Computed here, not by the database, so both backends agree.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// An email address, normalised to lower case (addresses are matched case-insensitively in
/// practice, and one person must not end up with two accounts).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let invalid = |why: &str| ValidationError::new("email", why.to_owned());
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if email.chars().count() > Self::MAX_CHARS {
            return Err(invalid("must be at most 254 characters"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces"));
        }
        let (local, domain) = email
            .split_once('@')
            .ok_or_else(|| invalid("must look like name@example.nhs.uk"))?;
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("must have 1 to 64 characters before the @"));
        }
        let labels_ok = domain.split('.').count() >= 2
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(invalid(
                "must have a domain such as example.nhs.uk after the @",
            ));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_collapsed() {
        let name = Name::parse("  East   Midlands Alliance ").expect("valid");
        assert_eq!(name.as_str(), "East Midlands Alliance");
        assert_eq!(name.key(), "east midlands alliance");
    }

    #[test]
    fn names_reject_empty_long_and_control() {
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
        assert!(Name::parse("a\nb").is_err());
        let err = DisplayName::parse("").expect_err("empty");
        assert_eq!(err.field, "display_name");
    }

    #[test]
    fn emails_normalise_and_validate() {
        assert_eq!(
            Email::parse(" Amina.Khan@Trust.NHS.uk ")
                .expect("valid")
                .as_str(),
            "amina.khan@trust.nhs.uk"
        );
        for bad in [
            "",
            "no-at-sign",
            "@nhs.uk",
            "a@b",
            "a b@nhs.uk",
            "a@-x.uk",
            "a@x..uk",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
