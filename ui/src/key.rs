//! The web page's *Your key* screen: a backup file of the key kept in this browser, and a restore
//! from the recovery phrase or a backup file into a browser that keeps no key. The desktop app
//! keeps its key in the OS keyring and shows no such screen.

use crate::ipc::{self, Download};
use crate::patient::{error_box, file_input, text_input};
use crate::patient_state::Chosen;
use crate::web_wallet::{RestoreFrom, RestoreInput, Restored};
use caretrail_types::{ErrorCode, UiError};
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// What the restore form holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestoreForm {
    pub phrase: String,
    pub backup: Option<Chosen>,
    pub backup_password: String,
    pub nid: String,
    pub card_number: String,
    pub password: String,
    pub confirm: String,
}

impl RestoreForm {
    /// What the wallet is asked, or why the form cannot be sent yet: a phrase or a backup file
    /// (not both), and the same new password twice.
    pub fn input(&self) -> Result<RestoreInput, UiError> {
        let invalid = |message: &str| Err(UiError::new(ErrorCode::InvalidInput, message));
        let from = match (self.phrase.trim().is_empty(), &self.backup) {
            (false, None) => RestoreFrom::Phrase(self.phrase.clone()),
            (true, Some(file)) => RestoreFrom::Backup {
                json: String::from_utf8(file.bytes.to_vec()).map_err(|_| {
                    UiError::new(ErrorCode::InvalidInput, "the backup file is not text")
                })?,
                password: self.backup_password.clone(),
            },
            (true, None) => return invalid("Type your recovery phrase, or choose a backup file."),
            (false, Some(_)) => {
                return invalid("Restore from the phrase or from the backup file, not both.");
            }
        };
        if self.password != self.confirm {
            return invalid("The two new passwords differ.");
        }
        Ok(RestoreInput {
            from,
            nid: self.nid.clone(),
            card_number: self.card_number.clone(),
            password: self.password.clone(),
        })
    }
}

#[function_component(KeyScreen)]
pub fn key_screen() -> Html {
    html! {
        <section class="card">
            <h2>{ "Your key" }</h2>
            <p class="hint">
                { "Your key is kept in this browser, sealed under your password. Keep your recovery \
                   phrase, or a backup file, to use it in another browser or wallet." }
            </p>
            <Backup />
            <Restore />
        </section>
    }
}

#[function_component(Backup)]
fn backup() -> Html {
    let password = use_state(String::new);
    let result = use_state(|| None::<Result<Download, UiError>>);
    let running = use_state(|| false);
    let submit = {
        let (password, result, running) = (password.clone(), result.clone(), running.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (password, result, running) = (password.clone(), result.clone(), running.clone());
            running.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(Ok(old)) = &*result {
                    ipc::forget_download(old);
                }
                result.set(Some(ipc::key_backup(&password).await));
                running.set(false);
            });
        })
    };
    let set_password = {
        let password = password.clone();
        Callback::from(move |v: String| password.set(v))
    };
    html! {
        <>
            <h3>{ "Download a backup file" }</h3>
            <p class="hint">
                { "An Ethereum keystore file (MetaMask, geth and cast import it) under your \
                   password." }
            </p>
            <form class="form" onsubmit={submit}>
                { text_input("backup-password", "Your password", "password", &password, set_password) }
                <button id="backup-submit" type="submit" disabled={*running}>{ if *running { "Writing…" } else { "Make the backup file" } }</button>
            </form>
            {
                match &*result {
                    Some(Ok(file)) => html! {
                        <p><a id="backup-download" href={file.location.clone()} download={file.name.clone()}>{ format!("Save {}", file.name) }</a></p>
                    },
                    Some(Err(e)) => error_box(e),
                    None => html! {},
                }
            }
        </>
    }
}

#[function_component(Restore)]
fn restore() -> Html {
    let form = use_state(RestoreForm::default);
    let result = use_state(|| None::<Result<Restored, UiError>>);
    let running = use_state(|| false);
    let update = |f: fn(&mut RestoreForm, String)| {
        let form = form.clone();
        Callback::from(move |v: String| {
            let mut next = (*form).clone();
            f(&mut next, v);
            form.set(next);
        })
    };
    let on_phrase = {
        let form = form.clone();
        Callback::from(move |e: InputEvent| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            let mut next = (*form).clone();
            next.phrase = area.value();
            form.set(next);
        })
    };
    let on_backup = {
        let form = form.clone();
        Callback::from(move |chosen: Chosen| {
            let mut next = (*form).clone();
            next.backup = Some(chosen);
            form.set(next);
        })
    };
    let failed = {
        let result = result.clone();
        Callback::from(move |e: UiError| result.set(Some(Err(e))))
    };
    let submit = {
        let (form, result, running) = (form.clone(), result.clone(), running.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = match form.input() {
                Ok(input) => input,
                Err(e) => return result.set(Some(Err(e))),
            };
            let (result, running) = (result.clone(), running.clone());
            running.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                result.set(Some(ipc::key_restore(input).await));
                running.set(false);
            });
        })
    };
    html! {
        <>
            <h3>{ "Restore your key in this browser" }</h3>
            <form class="form" onsubmit={submit}>
                <label class="field">
                    <span>{ "Recovery phrase (24 words)" }</span>
                    <textarea id="restore-phrase" rows="3" spellcheck="false" autocomplete="off" value={form.phrase.clone()} oninput={on_phrase} />
                </label>
                <label class="field">
                    <span>{ "or a backup file" }</span>
                    { file_input("restore-file", ".json,application/json", on_backup, failed) }
                    if let Some(c) = &form.backup { <span class="hint" id="restore-file-name">{ c.name.clone() }</span> }
                </label>
                { text_input("restore-file-password", "The backup file's password", "password", &form.backup_password, update(|f, v| f.backup_password = v)) }
                { text_input("restore-nid", "National ID number", "text", &form.nid, update(|f, v| f.nid = v)) }
                { text_input("restore-card", "Insurance card number", "text", &form.card_number, update(|f, v| f.card_number = v)) }
                { text_input("restore-password", "New password (protects your key in this browser)", "password", &form.password, update(|f, v| f.password = v)) }
                { text_input("restore-confirm", "New password again", "password", &form.confirm, update(|f, v| f.confirm = v)) }
                <button id="restore-submit" type="submit" disabled={*running}>{ if *running { "Restoring…" } else { "Restore" } }</button>
            </form>
            {
                match &*result {
                    Some(Ok(restored)) => html! {
                        <div class="done" id="restore-done">
                            <p><span class="mark verified">{ format!("✔ Your key {} is kept in this browser", restored.address) }</span></p>
                            {
                                match restored.record {
                                    Some(h) => html! { <p>{ "Log in with H " }<span class="mono" id="restore-h">{ h.to_string() }</span></p> },
                                    None => html! { <p>{ "The chain holds no registration for this key: register with it." }</p> },
                                }
                            }
                        </div>
                    },
                    Some(Err(e)) => error_box(e),
                    None => html! {},
                }
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn filled() -> RestoreForm {
        RestoreForm {
            nid: "19710302-4411".into(),
            card_number: "MMH-1001-0001".into(),
            password: "correct horse battery staple".into(),
            confirm: "correct horse battery staple".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_restore_form_takes_a_phrase_or_a_backup_file() {
        let refused = |form: &RestoreForm| form.input().expect_err("refused").message;
        let mut form = filled();
        assert!(refused(&form).contains("recovery phrase, or choose a backup file"));

        form.phrase = "abandon art".into();
        assert_eq!(
            form.input().map(|i| i.from),
            Ok(RestoreFrom::Phrase("abandon art".into()))
        );

        form.backup = Some(Chosen {
            name: "key.json".into(),
            bytes: Rc::new(b"{}".to_vec()),
        });
        assert!(refused(&form).contains("not both"));

        form.phrase.clear();
        form.backup_password = "old".into();
        assert_eq!(
            form.input().map(|i| i.from),
            Ok(RestoreFrom::Backup {
                json: "{}".into(),
                password: "old".into()
            })
        );

        form.confirm = "another".into();
        assert!(refused(&form).contains("differ"));
    }
}
