//! S3, where exports and archives go: the size of the parts a file is uploaded in.

/// Size of the parts a file is written in: above S3's 5 MiB minimum for a multipart upload's
/// parts, and what an export holds in memory at most besides one chunk of rows.
pub const PART_BYTES: usize = 8 * 1024 * 1024;
