//! Caretrail's desktop shell: wires the client and the device's wallet into Tauri's state and
//! exposes one-line commands, split by role (`commands/`; her records' in `records.rs`). The
//! device's profile (`device.rs`) names its role, which picks the one window the app opens.

#[cfg(test)]
mod boundary_tests;
mod camera;
mod commands;
mod device;
mod records;
mod roles;
mod scan;
mod staging;

use caretrail_client::{Client, PinnedNetwork, SecretKey, Trust, Wallet};
use caretrail_keystore::PlatformStore;
pub use caretrail_types::CheckinCode;
use caretrail_types::{ErrorCode, Hash32, UiError};
use device::DeviceProfile;
use staging::Staging;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use tauri::Manager as _;

/// The keyring entry of a staff workstation's copy of its organization's key.
const ORGANIZATION_KEY_ACCOUNT: &str = "organization-key";

/// The relay the app talks to when `CARETRAIL_RELAY_URL` is not set.
const DEFAULT_RELAY_URL: &str = "http://127.0.0.1:7780";

/// The app's state: the client, or why it could not be made (shown on first use, never a crash);
/// the patient's wallet, opened on first use (opening the OS keyring may wait on D-Bus); her key
/// while she is logged in (in memory only: the records commands use it, the IPC never sees it);
/// and the files her records pass through, under the app's data directory.
#[derive(Debug)]
pub struct AppState {
    client: Result<Client, UiError>,
    device: DeviceProfile,
    wallet_dir: PathBuf,
    wallet: OnceLock<Wallet<PlatformStore>>,
    key: Mutex<Option<SecretKey>>,
    /// A staff workstation's copy of its organization's key (doctor, lab, billing: it anchors
    /// what they write), opened with hers.
    organization: Mutex<Option<SecretKey>>,
    /// The test lists the lab took in, by record id, until it reports on them.
    lab_orders: Mutex<Vec<caretrail_client::LabOrder>>,
    data_dir: PathBuf,
    staging: Staging,
    scanning: scan::Scanning,
}

impl AppState {
    /// The app's state for `device`'s role, with the wallet in `wallet_dir` and record files
    /// under `data_dir`; the network it trusts is pinned in `data_dir` (see [`trust_of`]).
    pub fn new(device: DeviceProfile, wallet_dir: PathBuf, data_dir: PathBuf) -> Self {
        let url = std::env::var("CARETRAIL_RELAY_URL").unwrap_or_else(|_| DEFAULT_RELAY_URL.into());
        let pin_file = std::env::var_os("CARETRAIL_NETWORK")
            .filter(|file| !file.is_empty())
            .map(PathBuf::from);
        // A private CA for an https relay, besides the system's roots.
        let ca = std::env::var_os("CARETRAIL_CA_FILE")
            .filter(|file| !file.is_empty())
            .map(|file| caretrail_client::read_ca_file(std::path::Path::new(&file)))
            .transpose()
            .map_err(|e| UiError::new(ErrorCode::InvalidInput, format!("CARETRAIL_CA_FILE: {e}")));
        let client = ca.and_then(|ca| {
            trust_of(pin_file.as_deref(), &data_dir).and_then(|trust| {
                Client::trusting_with_ca(&url, trust, ca.as_deref()).map_err(|e| {
                    UiError::new(
                        ErrorCode::InvalidInput,
                        format!("CARETRAIL_RELAY_URL is not usable: {e}"),
                    )
                })
            })
        });
        Self {
            client,
            device,
            wallet_dir,
            wallet: OnceLock::new(),
            key: Mutex::new(None),
            organization: Mutex::new(None),
            lab_orders: Mutex::new(Vec::new()),
            staging: Staging::new(&data_dir.join("staging")),
            data_dir,
            scanning: scan::Scanning::default(),
        }
    }

    /// The device's profile: its role, and what that role needs besides its key.
    pub fn device(&self) -> &DeviceProfile {
        &self.device
    }

    fn key_slot(&self) -> std::sync::MutexGuard<'_, Option<SecretKey>> {
        self.key.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the opened key for the session (set by the login and unlock commands).
    pub fn keep_key(&self, key: SecretKey) {
        *self.key_slot() = Some(key);
    }

    /// Forgets her key (logout); it is zeroized as it drops.
    pub fn forget_key(&self) {
        self.key_slot().take();
    }

    /// Her key, while she is logged in.
    pub fn key(&self) -> Result<SecretKey, UiError> {
        self.key_slot().clone().ok_or_else(|| {
            UiError::new(
                ErrorCode::NoKey,
                "log in first: your records open with your key, which only logging in unlocks",
            )
        })
    }

    fn organization_slot(&self) -> std::sync::MutexGuard<'_, Option<SecretKey>> {
        self.organization.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The organization's key on a staff workstation, once opened.
    pub fn organization_key(&self) -> Result<SecretKey, UiError> {
        self.organization_slot().clone().ok_or_else(|| {
            UiError::new(
                ErrorCode::NoKey,
                "open this workstation's keys first: the organization's key anchors what you write",
            )
        })
    }

    /// Keeps a staff workstation's organization key for the session.
    pub fn keep_organization_key(&self, key: SecretKey) {
        *self.organization_slot() = Some(key);
    }

    /// The lab's orders taken in this session.
    pub fn lab_orders(&self) -> std::sync::MutexGuard<'_, Vec<caretrail_client::LabOrder>> {
        self.lab_orders.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The code scan under way, if any.
    pub fn scanning(&self) -> &scan::Scanning {
        &self.scanning
    }

    /// Files she is sending, slice by slice.
    pub fn staging(&self) -> &Staging {
        &self.staging
    }

    /// Where a record is encrypted before it is sent.
    pub fn scratch_dir(&self) -> PathBuf {
        self.data_dir.join("scratch")
    }

    /// Where her record `id` is saved when she opens it.
    pub fn opened_path(&self, id: &Hash32) -> Result<PathBuf, UiError> {
        let dir = self.data_dir.join("opened");
        std::fs::create_dir_all(&dir).map_err(|e| {
            UiError::new(
                ErrorCode::Internal,
                format!("{} cannot be made: {e}", dir.display()),
            )
        })?;
        Ok(dir.join(opened_name(id)))
    }

    pub fn client(&self) -> Result<&Client, UiError> {
        self.client.as_ref().map_err(Clone::clone)
    }

    /// A staff workstation's copy of its organization's key: a wallet of its own under hers
    /// (`organization/`, provisioned as `caretrail hospital provision --wallet` does), in a
    /// keyring entry of its own where there is no key file.
    pub fn organization_wallet(&self) -> Wallet<PlatformStore> {
        let dir = self.wallet_dir.join("organization");
        let store =
            PlatformStore::open_entry(&dir, caretrail_keystore::SERVICE, ORGANIZATION_KEY_ACCOUNT);
        Wallet::new(store, &dir)
    }

    /// Her wallet: the key in the OS keyring (or the key file where there is none), her profile
    /// in the app's data directory (`CARETRAIL_WALLET` moves it).
    pub fn wallet(&self) -> &Wallet<PlatformStore> {
        self.wallet
            .get_or_init(|| Wallet::new(PlatformStore::open(&self.wallet_dir), &self.wallet_dir))
    }
}

/// The network the app trusts: the one in the file `CARETRAIL_NETWORK` names when set, else
/// the one pinned in `network.json` in its data directory, which the first relay it uses writes
/// (trust on first use). A relay announcing another chain or other registries is refused with
/// `wrong_network` before it is sent anything else.
fn trust_of(pin_file: Option<&Path>, data_dir: &Path) -> Result<Trust, UiError> {
    let Some(file) = pin_file else {
        return Ok(Trust::FirstUse(data_dir.join("network.json")));
    };
    let unusable = |why: String| {
        UiError::new(
            ErrorCode::InvalidInput,
            format!("CARETRAIL_NETWORK is not usable: {why}"),
        )
    };
    match PinnedNetwork::load(file) {
        Ok(Some(pin)) => Ok(Trust::Pinned(pin)),
        Ok(None) => Err(unusable(format!("{}: no such file", file.display()))),
        Err(e) => Err(unusable(e.to_string())),
    }
}

/// The file name of an opened record: its id, shortened.
fn opened_name(id: &Hash32) -> String {
    let hex = id.to_string();
    format!("record-{}", &hex[2..18])
}

/// Where the app keeps its files: `CARETRAIL_WALLET` when set (a throwaway wallet keeps
/// everything together), else the app's data directory.
fn data_dir_of(wallet_override: Option<&Path>, app_data: PathBuf) -> PathBuf {
    wallet_override.map_or(app_data, Path::to_path_buf)
}

/// The app's commands (each named in `acl_commands.rs`, which `build.rs` turns into the ACL
/// manifest, and granted to the one role's window that calls it by its capability).
fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::device::device_profile,
        commands::patient::policy_show,
        commands::patient::patient_register,
        commands::patient::patient_login,
        commands::patient::patient_profile,
        commands::patient::patient_logout,
        commands::patient::camera_capture,
        commands::patient::patient_recovery_status,
        commands::patient::patient_recovery_cancel,
        commands::patient::patient_recovery_finish,
        commands::patient::visit_organizations,
        commands::patient::visit_checkin_code,
        commands::patient::visit_test_code,
        commands::patient::records_bills,
        records::records_list,
        records::records_upload_begin,
        records::records_upload_slice,
        records::records_put,
        records::records_open,
        records::records_grant,
        records::records_revoke,
        records::records_audit,
        scan::scan_start,
        scan::scan_stop,
        scan::scan_image,
        commands::reception::reception_unlock,
        commands::reception::reception_open,
        commands::reception::reception_assign,
        commands::staff::staff_unlock,
        commands::staff::staff_queue,
        commands::staff::doctor_write,
        commands::staff::lab_fetch,
        commands::staff::lab_report,
        commands::staff::billing_visits,
        commands::staff::billing_send,
    ])
}

/// Opens the device's one window: its role's page, under the label its capability names.
fn open_window<R: tauri::Runtime>(
    app: &tauri::App<R>,
    role: device::Role,
) -> tauri::Result<tauri::WebviewWindow<R>> {
    let title = match role {
        device::Role::Patient => "Caretrail".to_owned(),
        staff => format!("Caretrail: {}", staff.label()),
    };
    tauri::WebviewWindowBuilder::new(
        app,
        role.label(),
        tauri::WebviewUrl::App(device::page(role).into()),
    )
    .title(title)
    .inner_size(1000.0, 760.0)
    .min_inner_size(640.0, 480.0)
    .build()
}

/// Runs the desktop app until its window closes.
pub fn run() {
    let builder = tauri::Builder::default().setup(|app| {
        let wallet_override = std::env::var_os("CARETRAIL_WALLET")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        let app_data = app.path().app_data_dir()?;
        let wallet_dir = wallet_override
            .clone()
            .unwrap_or_else(|| app_data.join("wallet"));
        let data_dir = data_dir_of(wallet_override.as_deref(), app_data);
        let device = device::load(&data_dir).map_err(|e| e.message)?;
        let role = device.role;
        app.manage(AppState::new(device, wallet_dir, data_dir));
        open_window(app, role)?;
        Ok(())
    });
    let outcome = with_commands(builder).run(tauri::generate_context!());
    if let Err(e) = outcome {
        eprintln!("error: the Caretrail app could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_need_her_key_which_only_a_session_holds() {
        let dir = std::env::temp_dir().join(format!("caretrail-app-{}", std::process::id()));
        let state = AppState::new(DeviceProfile::patient(), dir.join("wallet"), dir.clone());
        assert_eq!(
            state.key().map(|_| ()).map_err(|e| e.code),
            Err(ErrorCode::NoKey)
        );
        let key = SecretKey::from_bytes(&[7; 32]).expect("key");
        let address = key.address();
        state.keep_key(key);
        assert_eq!(state.key().map(|k| k.address()), Ok(address));
        state.forget_key();
        assert_eq!(
            state.key().map(|_| ()).map_err(|e| e.code),
            Err(ErrorCode::NoKey)
        );
        let id = Hash32([0xab; 32]);
        assert_eq!(
            state.opened_path(&id).expect("path"),
            dir.join("opened").join("record-abababababababab")
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_app_pins_its_network_in_its_data_dir_or_the_file_named() {
        let dir = tempfile_dir("trust");
        assert_eq!(
            trust_of(None, &dir),
            Ok(Trust::FirstUse(dir.join("network.json")))
        );
        let pin = PinnedNetwork {
            chain_id: 31337,
            policy_registry: caretrail_types::Address([1; 20]),
            participant_registry: caretrail_types::Address([2; 20]),
            patient_registry: caretrail_types::Address([3; 20]),
            record_registry: caretrail_types::Address([4; 20]),
            rpc_url: None,
        };
        let file = dir.join("pinned.json");
        pin.save_new(&file).expect("pin");
        assert_eq!(trust_of(Some(&file), &dir), Ok(Trust::Pinned(pin)));
        let missing = trust_of(Some(&dir.join("nowhere.json")), &dir).map_err(|e| e.code);
        assert_eq!(missing, Err(ErrorCode::InvalidInput));
        std::fs::write(dir.join("damaged.json"), b"{}").expect("write");
        let damaged = trust_of(Some(&dir.join("damaged.json")), &dir).map_err(|e| e.code);
        assert_eq!(damaged, Err(ErrorCode::InvalidInput));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("caretrail-app-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }
}
