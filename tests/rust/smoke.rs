// SPDX-License-Identifier: MIT
//! Rust smoke test of the C API (make rust-check): the bindings bindgen
//! made from the installed headers (included from $VSMMU_BINDINGS at compile
//! time), linked with the installed libvsmmu.a.  Brings up an SMMU over a
//! Vec<u8> of guest RAM with a linear stream table (STE 0 bypass, STE 1
//! invalid), translates, and exits non-zero on any surprise.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case, dead_code)]

mod ffi {
    include!(env!("VSMMU_BINDINGS"));
}

use ffi::*;
use std::mem::{size_of, zeroed};
use std::os::raw::{c_int, c_void};

const RAM_BASE: u64 = 0x8000_0000;

struct Ram {
    bytes: Vec<u8>,
}

impl Ram {
    /// Offset of [addr, addr + len) inside the RAM, if it is all there.
    fn range(&self, addr: u64, len: usize) -> Option<usize> {
        let off = usize::try_from(addr.checked_sub(RAM_BASE)?).ok()?;
        if off <= self.bytes.len() && len <= self.bytes.len() - off {
            Some(off)
        } else {
            None
        }
    }
}

unsafe extern "C" fn mem_read(opaque: *mut c_void, addr: u64, buf: *mut c_void, len: usize) -> c_int {
    let ram = &*(opaque as *const Ram);
    match ram.range(addr, len) {
        Some(off) => {
            std::ptr::copy_nonoverlapping(ram.bytes.as_ptr().add(off), buf as *mut u8, len);
            0
        }
        None => -1,
    }
}

unsafe extern "C" fn mem_write(opaque: *mut c_void, addr: u64, buf: *const c_void, len: usize) -> c_int {
    let ram = &mut *(opaque as *mut Ram);
    match ram.range(addr, len) {
        Some(off) => {
            std::ptr::copy_nonoverlapping(buf as *const u8, ram.bytes.as_mut_ptr().add(off), len);
            0
        }
        None => -1,
    }
}

fn check(what: &str, ok: bool) {
    if !ok {
        eprintln!("rust smoke: {} failed", what);
        std::process::exit(1);
    }
}

fn translate(s: *mut vsmmu_t, sid: u32, iova: u64) -> vsmmu_xlate_result {
    unsafe {
        let mut r: vsmmu_xlate_result = zeroed();
        r.struct_size = size_of::<vsmmu_xlate_result>() as u32;
        let rc = vsmmu_translate(s, sid, u32::MAX, iova, vsmmu_access_VSMMU_ACC_READ, &mut r);
        check("vsmmu_translate", rc == 0);
        r
    }
}

fn main() {
    let mut ram = Box::new(Ram { bytes: vec![0u8; 0x10000] });
    ram.bytes[0] = 0x9; // STE 0: V, Config = bypass
    unsafe {
        check("vsmmu_version", vsmmu_version() == (VSMMU_VERSION_MAJOR << 16 | VSMMU_VERSION_MINOR << 8 | VSMMU_VERSION_PATCH));

        let mut cfg: vsmmu_config = zeroed();
        check("vsmmu_config_init", vsmmu_config_init(&mut cfg, size_of::<vsmmu_config>()) == 0);
        cfg.sidsize = 4;
        cfg.two_level_strtab = false;
        let mut ops: vsmmu_host_ops = zeroed();
        ops.struct_size = size_of::<vsmmu_host_ops>() as u32;
        ops.mem_read = Some(mem_read);
        ops.mem_write = Some(mem_write);
        ops.opaque = &mut *ram as *mut Ram as *mut c_void;
        let mut s: *mut vsmmu_t = std::ptr::null_mut();
        check("vsmmu_create", vsmmu_create(&cfg, &ops, &mut s) == 0 && !s.is_null());

        check("STRTAB_BASE", vsmmu_mmio_write(s, 0x80, 8, RAM_BASE) == 0);
        check("STRTAB_BASE_CFG", vsmmu_mmio_write(s, 0x88, 4, 2) == 0);
        check("CR0", vsmmu_mmio_write(s, 0x20, 4, 1) == 0);
        let mut ack = 0u64;
        check("CR0ACK", vsmmu_mmio_read(s, 0x24, 4, &mut ack) == 0 && ack == 1);

        let r = translate(s, 0, 0x1234_5000);
        check("bypass translation", r.status == vsmmu_xlate_status_VSMMU_XLATE_OK && r.addr == 0x1234_5000);
        let r = translate(s, 1, 0x1000);
        check("invalid STE faults", r.status == vsmmu_xlate_status_VSMMU_XLATE_FAULT && r.event_type == 0x04);

        let mut st: vsmmu_stats = zeroed();
        st.struct_size = size_of::<vsmmu_stats>() as u32;
        check("vsmmu_get_stats", vsmmu_get_stats(s, &mut st) == 0 && st.tlb_misses >= 1);
        vsmmu_destroy(s);
    }
    println!("rust smoke: SMMU up, 0x12345000 -> 0x12345000 via STE bypass");
}
