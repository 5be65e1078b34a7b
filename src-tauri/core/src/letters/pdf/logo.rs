//! The letterhead logo as a PDF image: a JPEG is embedded as it is (`DCTDecode`); a PNG is
//! decoded to 8-bit samples, with its transparency as a soft mask (allowed in PDF/A-2).

use lopdf::{Document, Object, ObjectId, Stream, dictionary};

/// Largest logo side in pixels: more is wasted in a 32 × 20 mm box.
pub const MAX_PIXELS: u32 = 4000;

enum Data {
    Jpeg {
        components: u8,
    },
    Raw {
        colour: Vec<u8>,
        gray: bool,
        alpha: Option<Vec<u8>>,
    },
}

/// A decoded logo.
pub struct Logo {
    width: u32,
    height: u32,
    data: Data,
    source: Vec<u8>,
}

/// Why a logo cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoError {
    /// Not a PNG or JPEG that can be read.
    #[error("the logo cannot be read: {0}")]
    Unreadable(String),
    /// A CMYK JPEG (PDF/A with an sRGB output intent needs RGB or gray).
    #[error("the logo is a CMYK JPEG; save it as RGB (sRGB) and import it again")]
    Cmyk,
    /// Too many pixels.
    #[error("the logo is {0} × {1} pixels; at most {MAX_PIXELS} on each side")]
    TooLarge(u32, u32),
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logo")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("alpha", &self.has_alpha())
            .finish_non_exhaustive()
    }
}

impl Logo {
    /// Reads a PNG or JPEG.
    pub fn read(bytes: &[u8]) -> Result<Self, LogoError> {
        let logo = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            let (width, height, components) = jpeg_size(bytes)
                .ok_or_else(|| LogoError::Unreadable("no JPEG frame header".into()))?;
            if components == 4 {
                return Err(LogoError::Cmyk);
            }
            if components != 1 && components != 3 {
                return Err(LogoError::Unreadable(format!(
                    "{components} colour components"
                )));
            }
            Self {
                width,
                height,
                data: Data::Jpeg { components },
                source: bytes.to_vec(),
            }
        } else {
            Self::png(bytes)?
        };
        if logo.width == 0 || logo.height == 0 {
            return Err(LogoError::Unreadable("the image is empty".into()));
        }
        if logo.width > MAX_PIXELS || logo.height > MAX_PIXELS {
            return Err(LogoError::TooLarge(logo.width, logo.height));
        }
        Ok(logo)
    }

    fn png(bytes: &[u8]) -> Result<Self, LogoError> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder
            .read_info()
            .map_err(|e| LogoError::Unreadable(e.to_string()))?;
        let (w, h) = (reader.info().width, reader.info().height);
        if w > MAX_PIXELS || h > MAX_PIXELS {
            return Err(LogoError::TooLarge(w, h));
        }
        let mut buffer = vec![
            0;
            reader
                .output_buffer_size()
                .ok_or_else(|| LogoError::Unreadable("too large".into()))?
        ];
        let frame = reader
            .next_frame(&mut buffer)
            .map_err(|e| LogoError::Unreadable(e.to_string()))?;
        let samples = &buffer[..frame.buffer_size()];
        let (channels, gray, has_alpha) = match frame.color_type {
            png::ColorType::Grayscale => (1, true, false),
            png::ColorType::GrayscaleAlpha => (2, true, true),
            png::ColorType::Rgb => (3, false, false),
            png::ColorType::Rgba => (4, false, true),
            png::ColorType::Indexed => {
                return Err(LogoError::Unreadable("an unexpanded palette".into()));
            }
        };
        let colour_channels = if gray { 1 } else { 3 };
        let mut colour = Vec::with_capacity(samples.len());
        let mut alpha = has_alpha.then(Vec::new);
        for pixel in samples.chunks_exact(channels) {
            colour.extend_from_slice(&pixel[..colour_channels]);
            if let Some(alpha) = &mut alpha {
                alpha.push(pixel[channels - 1]);
            }
        }
        // Fully opaque: no mask needed.
        if alpha.as_ref().is_some_and(|a| a.iter().all(|v| *v == 255)) {
            alpha = None;
        }
        Ok(Self {
            width: w,
            height: h,
            data: Data::Raw {
                colour,
                gray,
                alpha,
            },
            source: bytes.to_vec(),
        })
    }

    /// Width over height.
    pub fn aspect(&self) -> f32 {
        self.width as f32 / self.height as f32
    }

    /// Whether the logo has transparency.
    pub fn has_alpha(&self) -> bool {
        matches!(&self.data, Data::Raw { alpha: Some(_), .. })
    }

    /// The file it was read from.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// Adds the image (and its mask) to `doc`.
    pub fn embed(&self, doc: &mut Document) -> ObjectId {
        let base = dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => self.width as i64,
            "Height" => self.height as i64,
            "BitsPerComponent" => 8,
        };
        match &self.data {
            Data::Jpeg { components } => {
                let mut dict = base;
                dict.set(
                    "ColorSpace",
                    if *components == 1 {
                        "DeviceGray"
                    } else {
                        "DeviceRGB"
                    },
                );
                dict.set("Filter", "DCTDecode");
                doc.add_object(Stream::new(dict, self.source.clone()).with_compression(false))
            }
            Data::Raw {
                colour,
                gray,
                alpha,
            } => {
                let mut dict = base.clone();
                dict.set("ColorSpace", if *gray { "DeviceGray" } else { "DeviceRGB" });
                if let Some(alpha) = alpha {
                    let mut mask = base;
                    mask.set("ColorSpace", "DeviceGray");
                    let mask = doc.add_object(super::flate::flate_stream(mask, alpha));
                    dict.set("SMask", Object::Reference(mask));
                }
                doc.add_object(super::flate::flate_stream(dict, colour))
            }
        }
    }
}

/// Width, height and components from a JPEG's frame header.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32, u8)> {
    let mut i = 2;
    while i + 9 < bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let height = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
            let width = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
            return Some((width, height, bytes[i + 9]));
        }
        i += 2 + length;
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2 × 1 RGBA PNG: one opaque red pixel, one transparent.
    pub(crate) fn png_with_alpha() -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 2, 1);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer
            .write_image_data(&[255, 0, 0, 255, 0, 0, 0, 0])
            .unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_png_with_transparency_gets_a_mask() {
        let logo = Logo::read(&png_with_alpha()).unwrap();
        assert_eq!((logo.width, logo.height), (2, 1));
        assert!(logo.has_alpha());
        assert!((logo.aspect() - 2.0).abs() < 1e-6);
    }

    #[test]
    fn jpeg_frame_headers_are_read_and_cmyk_is_refused() {
        // SOI, APP0 (length 4), SOF0 with 16 × 8, 3 components.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0, 8, 0, 16, 3]);
        jpeg.extend_from_slice(&[0; 12]);
        let logo = Logo::read(&jpeg).unwrap();
        assert_eq!((logo.width, logo.height), (16, 8));
        jpeg[17] = 4;
        assert_eq!(Logo::read(&jpeg).err(), Some(LogoError::Cmyk));
        assert!(matches!(
            Logo::read(b"GIF89a"),
            Err(LogoError::Unreadable(_))
        ));
    }
}
