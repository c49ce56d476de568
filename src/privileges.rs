//! Running as root is refused unless the admin names the user to become (`user` / `-u`); the daemon
//! switches to that user right after binding its port. When not started as root, `user` is ignored.

use nix::unistd::{self, Uid, User};
use std::ffi::CString;

/// Refuses to start as root without a `user` to become.
pub fn check_start(user: Option<&str>) -> Result<(), String> {
    if Uid::effective().is_root() && user.is_none() {
        return Err(
            "refusing to run as root: set `user` in the configuration or pass -u/--user".into(),
        );
    }
    Ok(())
}

/// Becomes `user` when running as root (a no-op for `root` itself or when not root).
pub fn become_user(user: Option<&str>) -> Result<(), String> {
    if !Uid::effective().is_root() {
        return Ok(());
    }
    let name = user.ok_or("refusing to run as root without `user`")?;
    if name == "root" {
        tracing::warn!("running as root, as `user: root` asks");
        return Ok(());
    }
    let account = User::from_name(name)
        .map_err(|e| format!("cannot look up user {name}: {e}"))?
        .ok_or_else(|| format!("no such user: {name}"))?;
    let c_name = CString::new(name).map_err(|e| e.to_string())?;
    unistd::initgroups(&c_name, account.gid)
        .map_err(|e| format!("cannot set the groups of {name}: {e}"))?;
    unistd::setgid(account.gid).map_err(|e| format!("cannot become group {}: {e}", account.gid))?;
    unistd::setuid(account.uid).map_err(|e| format!("cannot become user {name}: {e}"))?;
    tracing::info!(user = name, uid = %account.uid, "dropped root privileges");
    Ok(())
}
