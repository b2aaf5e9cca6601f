//! The one place that memory-maps a file: everything else in baobei sees a safe `&[u8]`.
//!
//! # Safety contract
//!
//! `memmap2::Mmap::map` is `unsafe` because Rust's aliasing rules promise that the bytes behind
//! a `&[u8]` never change while it is borrowed, and the operating system cannot enforce that
//! for a file: another process could write to it or truncate it while it is mapped. baobei
//! upholds the promise by construction:
//!
//! - **Files are never changed in place.** Every writer of a mapped format
//!   (`market::table::TableBuilder::write`) writes a new temporary file in the same directory,
//!   `fsync`s it and `rename`s it over the old name. A rename swaps the directory entry, not the
//!   inode: a mapping that is already open keeps seeing the complete, immutable old inode until
//!   it is dropped, and the next `open` sees the complete new one. A reader can therefore never
//!   observe a half-written file, and no baobei code writes to a mapped inode.
//! - **Foreign writers are out of contract.** If some other program (or a person with `>` or
//!   `truncate`) modifies the file in place anyway, the mapped bytes may change under us or,
//!   after a truncation, reading past the new end raises `SIGBUS` and the process dies. We accept
//!   that: it is the same behaviour as ripgrep and every other mmap reader; the file lives in
//!   baobei's own data directory; the parsers in `table.rs` bound-check every offset read from
//!   the bytes, so *changed* bytes can only produce a wrong value or a `TableError`, never
//!   undefined behaviour in our code when they are read (text that was validated once, a
//!   `&str` handed out or a category span the table remembers as UTF-8, is trusted from then
//!   on, as any `&str` into a map must be); and a crash is loud, not silent corruption. The
//!   alternative (reading the whole file into memory) would make opening O(n) instead of O(1).
//! - **Mappings are read-only** (`Mmap`, not `MmapMut`), so we never write through them either.

use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

use memmap2::Mmap;

/// A read-only view of a whole file, mapped into memory.
///
/// Opening costs one `open` + `fstat` + `mmap` system call regardless of the file size; pages are
/// read lazily by the kernel when they are first touched.
#[derive(Debug)]
pub(crate) struct Mapped {
    /// `None` for an empty file: mapping zero bytes is an error on some platforms.
    map: Option<Mmap>,
}

impl Mapped {
    /// Maps the file at `path` read-only.
    pub(crate) fn open(path: &Path) -> io::Result<Mapped> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        if len == 0 {
            return Ok(Mapped { map: None });
        }
        // SAFETY: see the module documentation. baobei never modifies a mapped file in place
        // (writers create a new file and rename it over the old name), so the bytes of this
        // inode stay unchanged for the life of the mapping; every offset read from them is
        // bound-checked by the caller, so even a foreign in-place change cannot cause undefined
        // behaviour in our code (truncation can raise SIGBUS, which ends the process loudly).
        let map = unsafe { Mmap::map(&file)? };
        advise_huge_pages(&map);
        Ok(Mapped { map: Some(map) })
    }
}

impl Mapped {
    /// Starts loading the cache line that holds byte `at` without waiting for it, so that a
    /// batch of lookups overlaps its cache misses instead of paying them one after the other
    /// (performance.md: dependent chains are 20x slower than independent probes). Out of
    /// range, or on targets without a prefetch instruction, it does nothing.
    #[inline]
    pub(crate) fn prefetch(&self, at: usize) {
        let bytes: &[u8] = self;
        if let Some(byte) = bytes.get(at) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch is a hint that never faults and reads nothing into the
            // program; the pointer is in bounds of the mapping anyway.
            unsafe {
                use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast::<i8>());
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = byte;
        }
    }
}

/// Asks the kernel to map the file with 2 MiB pages where its page cache holds them.
///
/// Lookups in a table larger than the caches touch a few random pages each; with 4 KiB pages
/// every one of them also misses the TLB, and a page walk (two-dimensional under a hypervisor)
/// costs about as much as the cache miss itself. Recent Linux kernels map large page-cache
/// folios with 2 MiB pages by themselves; the advice also makes read-ahead of a file that is
/// not yet cached allocate such folios. Only a hint: where it is not supported it does
/// nothing, so a failure is ignored; opening stays O(1), one system call more.
fn advise_huge_pages(map: &Mmap) {
    #[cfg(target_os = "linux")]
    {
        let _ = map.advise(memmap2::Advice::HugePage);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = map;
}

impl Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn maps_the_file_bytes_and_survives_a_rename_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"old contents").unwrap();
        let mapped = Mapped::open(&path).unwrap();
        assert_eq!(&*mapped, b"old contents");

        // The writers' protocol: a new file renamed over the old name.
        let mut tmp = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        tmp.write_all(b"new").unwrap();
        tmp.persist(&path).unwrap();
        assert_eq!(
            &*mapped, b"old contents",
            "an open mapping keeps the old inode"
        );
        assert_eq!(&*Mapped::open(&path).unwrap(), b"new");
    }

    #[test]
    fn empty_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty");
        std::fs::write(&path, b"").unwrap();
        assert!(Mapped::open(&path).unwrap().is_empty());
        let err = Mapped::open(&dir.path().join("missing")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
