//! Password rules for local accounts.
//!
//! [`check`] reports every problem at once so that a form can show them
//! together. Lengths are counted in characters (Unicode scalar values of
//! the NFC form), not bytes, so *mậtkhẩu* counts 7 however it was typed.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 10;

/// The most characters a password may have.
pub const MAX_CHARS: usize = 128;

/// The shortest username that a password is checked not to contain.
pub const MIN_USERNAME_CHARS: usize = 3;

/// Passwords that satisfy the other rules but are among the first that
/// anyone would guess; compared case-insensitively.
const COMMON: &[&str] = &[
    "password123",
    "password1234",
    "passw0rd123",
    "123456789a",
    "a123456789",
    "1234567890a",
    "123456789abc",
    "abc1234567",
    "abcd123456",
    "abc123456789",
    "matkhau123",
    "matkhau1234",
    "matkhau@123",
    "admin12345",
    "admin123456",
    "admin@1234",
    "qwerty1234",
    "qwerty123456",
    "qwertyuiop1",
    "1qaz2wsx3edc",
    "1q2w3e4r5t",
    "q1w2e3r4t5",
    "zxcvbnm123",
    "asdfghjkl1",
    "iloveyou123",
    "anhyeuem123",
    "welcome123",
    "vietnam123",
    "hanoi12345",
    "saigon1234",
    "ubnd123456",
];

/// One way in which a password breaks the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordProblem {
    /// Fewer than `min` characters.
    TooShort {
        /// The minimum, [`MIN_CHARS`].
        min: usize,
    },
    /// More than `max` characters.
    TooLong {
        /// The maximum, [`MAX_CHARS`].
        max: usize,
    },
    /// Contains the username (ignoring case).
    ContainsUsername,
    /// Lacks a letter or a digit.
    NeedsLetterAndDigit,
    /// Is one of the most common passwords.
    TooCommon,
}

impl PasswordProblem {
    /// A stable snake_case code for clients, e.g. `"too_short"`.
    pub const fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort { .. } => "too_short",
            PasswordProblem::TooLong { .. } => "too_long",
            PasswordProblem::ContainsUsername => "contains_username",
            PasswordProblem::NeedsLetterAndDigit => "needs_letter_and_digit",
            PasswordProblem::TooCommon => "too_common",
        }
    }

    /// The message to show, in Vietnamese with the English in parentheses.
    pub fn message_vi(self) -> String {
        match self {
            PasswordProblem::TooShort { min } => format!(
                "Mật khẩu phải có ít nhất {min} ký tự (Password must be at least {min} characters long)"
            ),
            PasswordProblem::TooLong { max } => format!(
                "Mật khẩu không được dài quá {max} ký tự (Password must be at most {max} characters long)"
            ),
            PasswordProblem::ContainsUsername => {
                "Mật khẩu không được chứa tên đăng nhập (Password must not contain the username)".to_owned()
            }
            PasswordProblem::NeedsLetterAndDigit => {
                "Mật khẩu phải có cả chữ cái và chữ số (Password must contain both a letter and a digit)"
                    .to_owned()
            }
            PasswordProblem::TooCommon => {
                "Mật khẩu quá phổ biến, dễ bị đoán (Password is too common and easy to guess)".to_owned()
            }
        }
    }
}

impl fmt::Display for PasswordProblem {
    /// The same text as [`PasswordProblem::message_vi`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_vi())
    }
}

impl std::error::Error for PasswordProblem {}

/// Checks `password` for the account `username`: 10 to 128 characters; not
/// containing the username, ignoring case, when the username has at least
/// 3 characters; at least one letter and one digit (any script); not one
/// of a built-in list of common passwords, ignoring case.
///
/// # Errors
/// Every [`PasswordProblem`] found, in the order listed above.
pub fn check(password: &str, username: &str) -> Result<(), Vec<PasswordProblem>> {
    let password: String = password.nfc().collect();
    let mut problems = Vec::new();

    let length = password.chars().count();
    if length < MIN_CHARS {
        problems.push(PasswordProblem::TooShort { min: MIN_CHARS });
    } else if length > MAX_CHARS {
        problems.push(PasswordProblem::TooLong { max: MAX_CHARS });
    }

    let lowered = password.to_lowercase();
    let username: String = username.trim().nfc().collect::<String>().to_lowercase();
    if username.chars().count() >= MIN_USERNAME_CHARS && lowered.contains(&username) {
        problems.push(PasswordProblem::ContainsUsername);
    }

    let has_letter = password.chars().any(char::is_alphabetic);
    let has_digit = password.chars().any(char::is_numeric);
    if !(has_letter && has_digit) {
        problems.push(PasswordProblem::NeedsLetterAndDigit);
    }

    if COMMON.contains(&lowered.as_str()) {
        problems.push(PasswordProblem::TooCommon);
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use PasswordProblem::*;

    #[test]
    fn rules() {
        let short = TooShort { min: 10 };
        let long = TooLong { max: 128 };
        let at_max = format!("{}1", "a".repeat(127));
        let over_max = format!("{}1", "a".repeat(128));
        #[rustfmt::skip]
        let cases: &[(&str, &str, &str, &[PasswordProblem])] = &[
            ("fine", "Ruộng lúa 2026", "nguyenvana", &[]),
            ("exactly 10", "abcdefgh12", "nva", &[]),
            ("9 characters", "abcdefg12", "nva", &[short]),
            ("empty", "", "nva", &[short, NeedsLetterAndDigit]),
            ("128 characters", &at_max, "nva", &[]),
            ("129 characters", &over_max, "nva", &[long]),
            // 10 characters but 17 bytes: long enough.
            ("characters, not bytes", "mậtkhẩuđẹ9", "nva", &[]),
            // 9 characters but 15 bytes: too short.
            ("multi-byte but short", "mậtkhẩuđ9", "nva", &[short]),
            // Decomposed ậ (a + two combining marks) counts as one: 9, not 11.
            ("decomposed diacritics", "a\u{0323}\u{0302}bcdefg12", "nva", &[short]),
            ("contains username", "xnguyenvana2026", "nguyenvana", &[ContainsUsername]),
            ("username in other case", "NguyenVanA2026!", "nguyenvana", &[ContainsUsername]),
            ("username given in capitals", "nguyenvana2026!", " NguyenVanA ", &[ContainsUsername]),
            ("vietnamese username, case", "Lê Hòa 123456", "LÊ HÒA", &[ContainsUsername]),
            ("username of 3 characters", "xabc1234567", "abc", &[ContainsUsername]),
            ("username of 2 characters ignored", "xab12345678", "ab", &[]),
            ("empty username ignored", "xab12345678", "", &[]),
            ("letters only", "khongcoso!!", "nva", &[NeedsLetterAndDigit]),
            ("digits only", "0123456789", "nva", &[NeedsLetterAndDigit]),
            ("symbols only", "!@#$%^&*()", "nva", &[NeedsLetterAndDigit]),
            ("vietnamese letters count", "đường9999999", "nva", &[]),
            ("common", "password123", "nva", &[TooCommon]),
            ("common, other case", "MatKhau123", "nva", &[TooCommon]),
            ("common", "123456789a", "nva", &[TooCommon]),
            ("common", "admin12345", "nva", &[TooCommon]),
            ("common", "qwerty1234", "nva", &[TooCommon]),
            ("common and containing username", "admin12345", "admin", &[ContainsUsername, TooCommon]),
            ("everything at once", "abc", "abc", &[short, ContainsUsername, NeedsLetterAndDigit]),
        ];
        for &(name, password, username, expected) in cases {
            let got = check(password, username);
            if expected.is_empty() {
                assert_eq!(got, Ok(()), "{name}");
            } else {
                assert_eq!(got, Err(expected.to_vec()), "{name}");
            }
        }
    }

    #[test]
    fn common_list_is_not_redundant() {
        // Every listed password would pass the other rules, and is stored
        // in the form it is compared in.
        assert!(COMMON.len() >= 20);
        for &common in COMMON {
            assert_eq!(common, common.to_lowercase());
            assert_eq!(check(common, "nva"), Err(vec![TooCommon]), "{common}");
        }
    }

    #[test]
    fn codes_and_messages() {
        let cases = [
            (TooShort { min: 10 }, "too_short", "ít nhất 10 ký tự"),
            (TooLong { max: 128 }, "too_long", "dài quá 128 ký tự"),
            (ContainsUsername, "contains_username", "tên đăng nhập"),
            (
                NeedsLetterAndDigit,
                "needs_letter_and_digit",
                "chữ cái và chữ số",
            ),
            (TooCommon, "too_common", "phổ biến"),
        ];
        for (problem, code, fragment) in cases {
            assert_eq!(problem.code(), code);
            let message = problem.message_vi();
            assert!(message.contains(fragment), "{message}");
            assert!(
                message.ends_with(')') && message.contains(" ("),
                "{message}"
            );
            assert_eq!(problem.to_string(), message);
        }
    }
}
