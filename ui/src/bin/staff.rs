//! The desktop app's staff windows (reception, doctor, lab, billing; built with the `desktop`
//! feature): each role's screens only, the role the device's profile names.

fn main() {
    yew::Renderer::<caretrail_ui::staff::StaffApp>::new().render();
}
