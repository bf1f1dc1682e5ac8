//! Running the real CLIs offline: the pinned packages, a mock model API, a terminal for the TUIs
//! and a private world for each check.

#![allow(dead_code)]

pub mod mock;
pub mod packages;
pub mod tui;
pub mod world;
