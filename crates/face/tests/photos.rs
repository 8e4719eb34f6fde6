//! The face match on real photographs (installed by `scripts/assets.sh`: Debian kphotoalbum's demo
//! photos, CC BY-SA 4.0, © 2003-2007 Jesper K. Pedersen) with the real dlib models.

use caretrail_face::{CompareError, FaceModel, PhotoError, THRESHOLD};
use std::path::PathBuf;
use std::sync::OnceLock;

fn assets() -> PathBuf {
    std::env::var_os("CARETRAIL_ASSETS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/caretrail/assets"))
        })
        .expect("CARETRAIL_ASSETS or HOME")
}

fn model() -> &'static std::sync::Mutex<FaceModel> {
    static MODEL: OnceLock<std::sync::Mutex<FaceModel>> = OnceLock::new();
    MODEL.get_or_init(|| {
        std::sync::Mutex::new(FaceModel::load(&assets().join("face-models")).expect("models"))
    })
}

fn photo(name: &str) -> Vec<u8> {
    let path = assets().join("photos").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/assets.sh)", path.display()))
}

fn distance(a: &str, b: &str) -> f64 {
    let found = model()
        .lock()
        .expect("model")
        .compare(&photo(a), &photo(b))
        .expect("compare");
    println!("distance {a} vs {b}: {:.3}", found.distance);
    found.distance
}

#[test]
fn two_photos_of_one_person_match() {
    let d = distance("jesper_2.jpg", "jesper.jpg");
    assert!(d < THRESHOLD, "{d}");
}

#[test]
fn two_people_do_not_match() {
    let d = distance("jesper_2.jpg", "anne_helene.jpg");
    assert!(d >= THRESHOLD, "{d}");
    let d = distance("anne_helene.jpg", "jesper.jpg");
    assert!(d >= THRESHOLD, "{d}");
}

#[test]
fn a_photo_with_no_face_or_two_faces_is_refused_and_says_which_photo() {
    let model = model().lock().expect("model");
    assert_eq!(
        model.compare(&photo("skagen.jpg"), &photo("jesper.jpg")),
        Err(CompareError::Probe(PhotoError::NoFace))
    );
    assert_eq!(
        model.compare(&photo("bar55_2.jpg"), &photo("jesper.jpg")),
        Err(CompareError::Probe(PhotoError::SeveralFaces(2)))
    );
    assert_eq!(
        model.compare(&photo("jesper_2.jpg"), &photo("skagen.jpg")),
        Err(CompareError::Reference(PhotoError::NoFace))
    );
    assert_eq!(model.count_faces(&photo("anne_helene.jpg")), Ok(1));
}

#[test]
fn missing_models_name_the_file_and_the_fix() {
    let err = FaceModel::load(&assets().join("no-such-dir")).unwrap_err();
    assert!(err.to_string().contains("scripts/setup.sh"), "{err}");
}
