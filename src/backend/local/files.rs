//! Files written whole: the bytes go into a new file beside the target, which is synced and
//! then renamed over it, so that a reader (a web server serving a report that cron rewrites,
//! `serve` reading its share links) sees the old file or the new one, never a part.

use std::io::Write as _;
use std::path::Path;

/// Replaces the file at `path` (in folder `dir`, which must exist) with `bytes`; the new file
/// is readable by everyone when `public`, else by its owner only. The temporary file's name
/// stays out of the errors: the caller knows only `path`.
pub fn replace_file(path: &Path, dir: &Path, bytes: &[u8], public: bool) -> std::io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix(".pageviews-")
        .tempfile_in(dir)
        .map_err(|err| std::io::Error::from(err.kind()))?;
    file.as_file_mut().write_all(bytes)?;
    #[cfg(unix)]
    if public {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}
