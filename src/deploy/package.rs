//! The package `deploy` uploads: a zip that holds `bootstrap`, an executable for the chosen
//! architecture (pure code: the zip's central directory and the executable's ELF header).

use flate2::read::DeflateDecoder;
use std::io::Read;

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
    #[error("`bootstrap` is stored in a way this check cannot read (method {0})")]
    Unsupported(u16),
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

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The first bytes of `bootstrap`, found through the zip's central directory.
fn bootstrap_head(zip: &[u8]) -> Result<Vec<u8>, PackageError> {
    // The end-of-central-directory record: its signature within the last 64 KiB + 22 bytes.
    let end = (0..zip.len().saturating_sub(21))
        .rev()
        .take(65_557)
        .find(|&at| zip[at..].starts_with(b"PK\x05\x06"))
        .ok_or(PackageError::NotZip)?;
    let entries = u16_at(zip, end + 10).ok_or(PackageError::NotZip)?;
    let mut at = u32_at(zip, end + 16).ok_or(PackageError::NotZip)? as usize;
    for _ in 0..entries {
        if !zip
            .get(at..)
            .is_some_and(|rest| rest.starts_with(b"PK\x01\x02"))
        {
            return Err(PackageError::NotZip);
        }
        let method = u16_at(zip, at + 10).ok_or(PackageError::NotZip)?;
        let compressed = u32_at(zip, at + 20).ok_or(PackageError::NotZip)? as usize;
        let name_len = u16_at(zip, at + 28).ok_or(PackageError::NotZip)? as usize;
        let extra_len = u16_at(zip, at + 30).ok_or(PackageError::NotZip)? as usize;
        let comment_len = u16_at(zip, at + 32).ok_or(PackageError::NotZip)? as usize;
        let local = u32_at(zip, at + 42).ok_or(PackageError::NotZip)? as usize;
        let name = zip
            .get(at + 46..at + 46 + name_len)
            .ok_or(PackageError::NotZip)?;
        if name == b"bootstrap" {
            return read_head(zip, local, method, compressed);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Err(PackageError::NoBootstrap)
}

/// The first 64 bytes of the entry whose local header is at `local`.
fn read_head(
    zip: &[u8],
    local: usize,
    method: u16,
    compressed: usize,
) -> Result<Vec<u8>, PackageError> {
    if !zip
        .get(local..)
        .is_some_and(|rest| rest.starts_with(b"PK\x03\x04"))
    {
        return Err(PackageError::NotZip);
    }
    let name_len = u16_at(zip, local + 26).ok_or(PackageError::NotZip)? as usize;
    let extra_len = u16_at(zip, local + 28).ok_or(PackageError::NotZip)? as usize;
    let start = local + 30 + name_len + extra_len;
    let data = zip
        .get(start..start + compressed)
        .ok_or(PackageError::NotZip)?;
    let mut head = Vec::with_capacity(64);
    match method {
        0 => head.extend_from_slice(&data[..data.len().min(64)]),
        8 => {
            DeflateDecoder::new(data)
                .take(64)
                .read_to_end(&mut head)
                .map_err(|_| PackageError::NotZip)?;
        }
        other => return Err(PackageError::Unsupported(other)),
    }
    Ok(head)
}

/// A zip of one stored (uncompressed) file, for tests.
pub fn stored_zip(name: &str, content: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(content);
    let crc = crc.sum().to_le_bytes();
    let size = (content.len() as u32).to_le_bytes();
    let name_len = (name.len() as u16).to_le_bytes();
    let mut zip = Vec::new();
    zip.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    zip.extend_from_slice(&crc);
    zip.extend_from_slice(&size);
    zip.extend_from_slice(&size);
    zip.extend_from_slice(&name_len);
    zip.extend_from_slice(&[0, 0]);
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(content);
    let directory = zip.len() as u32;
    zip.extend_from_slice(b"PK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    zip.extend_from_slice(&crc);
    zip.extend_from_slice(&size);
    zip.extend_from_slice(&size);
    zip.extend_from_slice(&name_len);
    // Extra, comment, disk, internal attributes; external: a file of mode 0755.
    zip.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xed, 0x81]);
    zip.extend_from_slice(&0u32.to_le_bytes());
    zip.extend_from_slice(name.as_bytes());
    let directory_len = zip.len() as u32 - directory;
    zip.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00");
    zip.extend_from_slice(&directory_len.to_le_bytes());
    zip.extend_from_slice(&directory.to_le_bytes());
    zip.extend_from_slice(&[0, 0]);
    zip
}

/// The first bytes of an ELF executable for `arch`, for tests.
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
        use flate2::{write::DeflateEncoder, Compression};
        use std::io::Write;
        let content = elf_header(Architecture::X86_64);
        let mut zip = stored_zip("bootstrap", &content);
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&content).unwrap();
        let deflated = encoder.finish().unwrap();
        // Rewrite the one entry as deflated: method 8 and the compressed size, in both headers.
        let mut rebuilt = zip[..30 + 9].to_vec();
        rebuilt[8] = 8;
        rebuilt[18..22].copy_from_slice(&(deflated.len() as u32).to_le_bytes());
        rebuilt.extend_from_slice(&deflated);
        let directory = rebuilt.len();
        let mut central = zip[30 + 9 + content.len()..].to_vec();
        central[10] = 8;
        central[20..24].copy_from_slice(&(deflated.len() as u32).to_le_bytes());
        let end = central.len() - 22;
        central[end + 16..end + 20].copy_from_slice(&(directory as u32).to_le_bytes());
        rebuilt.extend_from_slice(&central);
        zip = rebuilt;
        assert_eq!(check(&zip, Architecture::X86_64), Ok(()));
    }
}
