//! The workspace's own `uniffi-bindgen`, at exactly the uniffi version the library uses.
//! Run as `uniffi-bindgen generate --library <libportal_ffi.so> --language kotlin ...`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
