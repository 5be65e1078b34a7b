//! Flate (zlib) streams for the PDF writer and the logo: their own file, so neither imports the
//! other.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use lopdf::{Dictionary, Stream};

pub(super) fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// A stream of bytes compressed with Flate already (made once, used by many letters).
pub(super) fn deflated_stream(dict: Dictionary, deflated: Vec<u8>) -> Stream {
    let mut dict = dict;
    dict.set("Filter", "FlateDecode");
    Stream::new(dict, deflated).with_compression(false)
}

/// A stream compressed with Flate.
pub(super) fn flate_stream(dict: Dictionary, content: &[u8]) -> Stream {
    let mut dict = dict;
    dict.set("Filter", "FlateDecode");
    Stream::new(dict, deflate(content)).with_compression(false)
}
