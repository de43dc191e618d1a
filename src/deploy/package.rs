//! The package `deploy` uploads: a zip that holds `bootstrap`, an executable for the chosen
//! architecture (pure code: the zip read by the `zip` crate, the executable's ELF header).

use std::io::{Cursor, Read};
use zip::result::ZipError;
use zip::ZipArchive;
// Writing a zip is for the tests' packages only.
#[cfg(any(test, feature = "test-support"))]
use {
    std::io::Write,
    zip::write::SimpleFileOptions,
    zip::{CompressionMethod, ZipWriter},
};

/// The processor a function runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// Graviton: about 20% cheaper per GB-second than x86_64.
    Arm64,
    #[value(name = "x86_64")]
    X86_64,
}

impl Architecture {
    /// The name Lambda gives it.
    pub fn lambda_name(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }

    /// ELF's e_machine for it.
    fn elf_machine(self) -> u16 {
        match self {
            Architecture::Arm64 => 183,
            Architecture::X86_64 => 62,
        }
    }

    fn from_elf_machine(machine: u16) -> Option<Self> {
        [Architecture::Arm64, Architecture::X86_64]
            .into_iter()
            .find(|arch| arch.elf_machine() == machine)
    }
}

/// Why a file is not a Lambda package for the chosen architecture.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackageError {
    #[error("not a zip file")]
    NotZip,
    #[error("the zip holds no `bootstrap` at its top level")]
    NoBootstrap,
    #[error("`bootstrap` is not a Linux executable")]
    NotElf,
    #[error("`bootstrap` is built for {found}, not {wanted}")]
    WrongArchitecture { found: String, wanted: &'static str },
    #[error("`bootstrap` is stored in a way this check cannot read ({0})")]
    Unsupported(String),
}

/// Checks that `zip` holds a `bootstrap` executable for `wanted`.
pub fn check(zip: &[u8], wanted: Architecture) -> Result<(), PackageError> {
    let head = bootstrap_head(zip)?;
    if head.len() < 20 || &head[..4] != b"\x7fELF" {
        return Err(PackageError::NotElf);
    }
    let machine = u16::from_le_bytes([head[18], head[19]]);
    match Architecture::from_elf_machine(machine) {
        Some(found) if found == wanted => Ok(()),
        found => Err(PackageError::WrongArchitecture {
            found: found.map_or(format!("machine {machine}"), |f| f.lambda_name().to_owned()),
            wanted: wanted.lambda_name(),
        }),
    }
}

/// The first bytes of `bootstrap`, found through the zip's central directory.
fn bootstrap_head(zip: &[u8]) -> Result<Vec<u8>, PackageError> {
    let mut archive = ZipArchive::new(Cursor::new(zip)).map_err(|_| PackageError::NotZip)?;
    let entry = match archive.by_name("bootstrap") {
        Ok(entry) => entry,
        Err(ZipError::FileNotFound) => return Err(PackageError::NoBootstrap),
        Err(ZipError::UnsupportedArchive(why)) => {
            return Err(PackageError::Unsupported(why.to_string()))
        }
        Err(_) => return Err(PackageError::NotZip),
    };
    let mut head = Vec::with_capacity(64);
    entry
        .take(64)
        .read_to_end(&mut head)
        .map_err(|_| PackageError::NotZip)?;
    Ok(head)
}

/// A zip of one file, stored or deflated, for tests.
#[cfg(any(test, feature = "test-support"))]
pub fn zip_of(name: &str, content: &[u8], deflated: bool) -> Vec<u8> {
    let method = match deflated {
        true => CompressionMethod::Deflated,
        false => CompressionMethod::Stored,
    };
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .unix_permissions(0o755);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file(name, options).expect("a zip in memory");
    writer.write_all(content).expect("a zip in memory");
    writer.finish().expect("a zip in memory").into_inner()
}

/// A zip of one stored (uncompressed) file, for tests.
#[cfg(any(test, feature = "test-support"))]
pub fn stored_zip(name: &str, content: &[u8]) -> Vec<u8> {
    zip_of(name, content, false)
}

/// The first bytes of an ELF executable for `arch`, for tests.
#[cfg(any(test, feature = "test-support"))]
pub fn elf_header(arch: Architecture) -> Vec<u8> {
    let mut header = b"\x7fELF\x02\x01\x01\x00".to_vec();
    header.resize(16, 0);
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&arch.elf_machine().to_le_bytes());
    header.resize(64, 0);
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_must_hold_bootstrap_for_the_architecture() {
        let arm = stored_zip("bootstrap", &elf_header(Architecture::Arm64));
        assert_eq!(check(&arm, Architecture::Arm64), Ok(()));
        assert_eq!(
            check(&arm, Architecture::X86_64),
            Err(PackageError::WrongArchitecture {
                found: "arm64".into(),
                wanted: "x86_64"
            })
        );
        let other = stored_zip("pageviews", &elf_header(Architecture::Arm64));
        assert_eq!(
            check(&other, Architecture::Arm64),
            Err(PackageError::NoBootstrap)
        );
        let script = stored_zip("bootstrap", b"#!/bin/sh\nexec ./pageviews\n");
        assert_eq!(
            check(&script, Architecture::Arm64),
            Err(PackageError::NotElf)
        );
        assert_eq!(
            check(b"hello", Architecture::Arm64),
            Err(PackageError::NotZip)
        );
    }

    #[test]
    fn a_deflated_bootstrap_is_read() {
        let zip = zip_of("bootstrap", &elf_header(Architecture::X86_64), true);
        assert_eq!(check(&zip, Architecture::X86_64), Ok(()));
    }
}
