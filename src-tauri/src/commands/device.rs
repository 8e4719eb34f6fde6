//! Every window's one shared command: the device's profile, which picks the screens.

use crate::AppState;
use crate::device::DeviceProfile;
use tauri::State;

#[tauri::command]
pub fn device_profile(state: State<'_, AppState>) -> DeviceProfile {
    state.device().clone()
}
