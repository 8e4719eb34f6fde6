//! The verification unit's face match: is the person in the instant photo the person in the
//! national-ID photo?
//!
//! dlib's HOG frontal face detector, its 5-point landmark predictor and its ResNet face embedding
//! (LFW 99.38 %; two photos of one person are at Euclidean distance below 0.6), through the
//! `dlib-face-recognition` crate over Debian's libdlib. The model files are installed by
//! `scripts/assets.sh` from PyPI; nothing is fetched at run time.
//!
//! Photos come from outside (the patient's camera or file, the EC registry), so each is checked
//! before dlib sees it: size, format (JPEG or PNG, by content, not by name), pixel count, and
//! exactly one face. An embedding is a biometric template: it never leaves this crate, and only
//! the distance comes out.

use dlib_face_recognition::{
    FaceDetector, FaceDetectorTrait as _, FaceEncoderNetwork, FaceEncoderTrait as _, FaceEncoding,
    ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait as _,
};
use image::{ImageFormat, RgbImage};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// The most bytes a photo may have.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;
/// The most pixels a photo may decode to (a 24-megapixel camera; guards against decompression
/// bombs, which are small files that decode to huge images).
pub const MAX_PHOTO_PIXELS: u64 = 24_000_000;
/// Photos are scaled down to this longest side before detection: faces stay far above the
/// detector's 80-pixel minimum, and the work stays bounded.
const WORKING_SIDE: u32 = 1600;
/// Below this longest side a photo with no face found is searched again at twice the size
/// (dlib's HOG detector finds faces from about 80 pixels; upsampling finds smaller ones).
const UPSAMPLE_BELOW: u32 = 1000;

/// Two faces closer than this are the same person (dlib's published threshold for this model).
pub const THRESHOLD: f64 = 0.6;
/// Names the pipeline in attestations: detector, landmarks, embedding.
pub const MODEL_ID: &str = "dlib-19.24/hog-frontal/shape_predictor_5/resnet_v1";

/// The model files, by name, inside the models directory.
pub const ENCODER_FILE: &str = "dlib_face_recognition_resnet_model_v1.dat";
pub const LANDMARKS_FILE: &str = "shape_predictor_5_face_landmarks.dat";

/// The models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(
        "the face model file {0} is missing; run ./scripts/setup.sh (or scripts/assets.sh) to install it"
    )]
    Missing(PathBuf),
    #[error("the face model file {path} cannot be read by dlib: {reason}")]
    Unreadable { path: PathBuf, reason: String },
}

/// Why a photo cannot be matched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is {size} bytes; the most allowed is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("the file is not a JPEG or PNG image")]
    NotAnImage,
    #[error("the image is {width}×{height} pixels; the most allowed is {max} pixels")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("no face was found in the photo")]
    NoFace,
    #[error("the photo shows {0} faces; it must show exactly one")]
    SeveralFaces(usize),
}

/// The outcome of comparing two faces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMatch {
    /// Euclidean distance between the two embeddings (smaller is more alike).
    pub distance: f64,
    pub threshold: f64,
}

impl FaceMatch {
    pub fn is_match(&self) -> bool {
        self.distance < self.threshold
    }
}

/// Which of the two photos of a comparison failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    #[error("the instant photo: {0}")]
    Probe(PhotoError),
    #[error("the registry's photo: {0}")]
    Reference(PhotoError),
}

/// The loaded models. `Send` but not `Sync` (dlib's networks keep scratch state): share it behind
/// a mutex, and run it on a blocking thread (a comparison takes about half a second).
pub struct FaceModel {
    detector: FaceDetector,
    landmarks: LandmarkPredictor,
    encoder: FaceEncoderNetwork,
}

impl std::fmt::Debug for FaceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaceModel")
            .field("model", &MODEL_ID)
            .finish_non_exhaustive()
    }
}

impl FaceModel {
    /// Loads the models from `dir` (where `scripts/assets.sh` put them).
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let file = |name: &str| {
            let path = dir.join(name);
            if path.is_file() {
                Ok(path)
            } else {
                Err(ModelError::Missing(path))
            }
        };
        let (encoder, landmarks) = (file(ENCODER_FILE)?, file(LANDMARKS_FILE)?);
        Ok(Self {
            detector: FaceDetector::new(),
            landmarks: LandmarkPredictor::open(&landmarks).map_err(|reason| {
                ModelError::Unreadable {
                    path: landmarks.clone(),
                    reason,
                }
            })?,
            encoder: FaceEncoderNetwork::open(&encoder).map_err(|reason| {
                ModelError::Unreadable {
                    path: encoder.clone(),
                    reason,
                }
            })?,
        })
    }

    /// Compares the face in `probe` (the instant photo) with the face in `reference` (the
    /// registry's photo). Each must show exactly one face.
    pub fn compare(&self, probe: &[u8], reference: &[u8]) -> Result<FaceMatch, CompareError> {
        let probe = self.embed(probe).map_err(CompareError::Probe)?;
        let reference = self.embed(reference).map_err(CompareError::Reference)?;
        Ok(FaceMatch {
            distance: probe.0.distance(&reference.0),
            threshold: THRESHOLD,
        })
    }

    /// Counts the faces in a photo (after the same checks as a comparison).
    pub fn count_faces(&self, photo: &[u8]) -> Result<usize, PhotoError> {
        let image = decode(photo)?;
        Ok(self.locate(&image).1.len())
    }

    fn embed(&self, photo: &[u8]) -> Result<Embedding, PhotoError> {
        let image = decode(photo)?;
        let (matrix, faces) = self.locate(&image);
        let face = match faces.as_slice() {
            [] => return Err(PhotoError::NoFace),
            [face] => *face,
            more => return Err(PhotoError::SeveralFaces(more.len())),
        };
        let landmarks = self.landmarks.face_landmarks(&matrix, &face);
        let encodings = self.encoder.get_face_encodings(&matrix, &[landmarks], 0);
        encodings
            .first()
            .cloned()
            .map(Embedding)
            .ok_or(PhotoError::NoFace)
    }

    /// The faces in `image`, searched again at twice the size when a small image shows none.
    fn locate(&self, image: &RgbImage) -> (ImageMatrix, Vec<dlib_face_recognition::Rectangle>) {
        let matrix = ImageMatrix::from_image(image);
        let faces: Vec<_> = self.detector.face_locations(&matrix).to_vec();
        let longest = image.width().max(image.height());
        if !faces.is_empty() || longest >= UPSAMPLE_BELOW {
            return (matrix, faces);
        }
        let larger = image::imageops::resize(
            image,
            image.width() * 2,
            image.height() * 2,
            image::imageops::FilterType::Triangle,
        );
        let matrix = ImageMatrix::from_image(&larger);
        let faces = self.detector.face_locations(&matrix).to_vec();
        (matrix, faces)
    }
}

/// A face embedding: a biometric template, kept inside this crate and never printed.
struct Embedding(FaceEncoding);

/// Checks and decodes a photo into RGB, scaled down to the working size.
fn decode(photo: &[u8]) -> Result<RgbImage, PhotoError> {
    if photo.is_empty() {
        return Err(PhotoError::Empty);
    }
    if photo.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge {
            size: photo.len(),
            max: MAX_PHOTO_BYTES,
        });
    }
    let format = match image::guess_format(photo) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png)) => format,
        _ => return Err(PhotoError::NotAnImage),
    };
    let mut reader = image::io::Reader::with_format(Cursor::new(photo), format);
    let (width, height) = image::io::Reader::with_format(Cursor::new(photo), format)
        .into_dimensions()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: MAX_PHOTO_PIXELS,
        });
    }
    let mut limits = image::io::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(MAX_PHOTO_PIXELS * 4);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let image = if width.max(height) > WORKING_SIDE {
        image.resize(
            WORKING_SIDE,
            WORKING_SIDE,
            image::imageops::FilterType::Triangle,
        )
    } else {
        image
    };
    Ok(image.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_that_are_not_images_are_refused_before_dlib() {
        assert_eq!(decode(b"").unwrap_err(), PhotoError::Empty);
        assert_eq!(decode(b"%PDF-1.7 ...").unwrap_err(), PhotoError::NotAnImage);
        assert_eq!(
            decode(b"GIF89a\x01\x00\x01\x00").unwrap_err(),
            PhotoError::NotAnImage
        );
        let huge = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert!(matches!(
            decode(&huge).unwrap_err(),
            PhotoError::TooLarge { .. }
        ));
        // A JPEG's signature with nothing after it.
        assert!(matches!(
            decode(b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00").unwrap_err(),
            PhotoError::Undecodable(_)
        ));
    }

    #[test]
    fn a_decompression_bomb_is_refused_from_its_header() {
        // A valid PNG header claiming 10000×10000 pixels, with almost no data behind it.
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&[0; 3], 1, 1, image::ColorType::Rgb8)
            .expect("encode");
        // IHDR's width and height are bytes 16..24.
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        // The chunk's CRC (over its type and data, bytes 12..29) follows it.
        let crc = crc32fast::hash(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(
            decode(&png).unwrap_err(),
            PhotoError::TooManyPixels {
                width: 10_000,
                height: 10_000,
                ..
            }
        ));
    }

    use image::ImageEncoder as _;
}
