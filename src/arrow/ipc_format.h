/* Facts of the Arrow IPC format shared by our reader and writer: the
 * flatbuffer enums and table field slots of Schema.fbs, Message.fbs and
 * File.fbs (Arrow columnar format, metadata version V5), and the framing
 * constants. Internal to src/arrow/.
 *
 * Slot numbers are the field's position in its table's vtable (field i lives
 * at vtable entry 4 + 2*i bytes). A union field `x` takes two slots: `x_type`
 * (a ubyte) then `x` (an offset to the table). */
#ifndef RR_ARROW_IPC_FORMAT_H
#define RR_ARROW_IPC_FORMAT_H

#define RR_IPC_CONTINUATION 0xFFFFFFFFu
#define RR_IPC_FILE_MAGIC "ARROW1"
#define RR_IPC_FILE_MAGIC_LEN 6

/* enum MetadataVersion : short */
enum { RR_FB_METADATA_V1 = 0, RR_FB_METADATA_V4 = 3, RR_FB_METADATA_V5 = 4 };

/* union Type */
enum {
    RR_FB_TYPE_NONE = 0,
    RR_FB_TYPE_NULL = 1,
    RR_FB_TYPE_INT = 2,
    RR_FB_TYPE_FLOATING_POINT = 3,
    RR_FB_TYPE_BINARY = 4,
    RR_FB_TYPE_UTF8 = 5,
    RR_FB_TYPE_BOOL = 6,
    RR_FB_TYPE_DECIMAL = 7,
    RR_FB_TYPE_DATE = 8,
    RR_FB_TYPE_TIME = 9,
    RR_FB_TYPE_TIMESTAMP = 10,
    RR_FB_TYPE_INTERVAL = 11,
    RR_FB_TYPE_LIST = 12,
    RR_FB_TYPE_STRUCT = 13,
    RR_FB_TYPE_UNION = 14,
    RR_FB_TYPE_FIXED_SIZE_BINARY = 15,
    RR_FB_TYPE_FIXED_SIZE_LIST = 16,
    RR_FB_TYPE_MAP = 17,
    RR_FB_TYPE_DURATION = 18,
    RR_FB_TYPE_LARGE_BINARY = 19,
    RR_FB_TYPE_LARGE_UTF8 = 20,
    RR_FB_TYPE_LARGE_LIST = 21,
    RR_FB_TYPE_RUN_END_ENCODED = 22,
    RR_FB_TYPE_BINARY_VIEW = 23,
    RR_FB_TYPE_UTF8_VIEW = 24,
    RR_FB_TYPE_LIST_VIEW = 25,
    RR_FB_TYPE_LARGE_LIST_VIEW = 26,
};

/* table Int { bitWidth: int; is_signed: bool; } */
enum { RR_FB_INT_BIT_WIDTH = 0, RR_FB_INT_IS_SIGNED = 1 };
/* table FloatingPoint { precision: Precision (short: HALF 0, SINGLE 1, DOUBLE 2); } */
enum { RR_FB_FLOAT_PRECISION = 0 };
enum { RR_FB_PRECISION_HALF = 0, RR_FB_PRECISION_SINGLE = 1, RR_FB_PRECISION_DOUBLE = 2 };
/* table Decimal { precision: int; scale: int; bitWidth: int = 128; } */
enum { RR_FB_DECIMAL_PRECISION = 0, RR_FB_DECIMAL_SCALE = 1, RR_FB_DECIMAL_BIT_WIDTH = 2 };
/* table Date { unit: DateUnit (short: DAY 0, MILLISECOND 1) = MILLISECOND; } */
enum { RR_FB_DATE_UNIT = 0 };
enum { RR_FB_DATE_DAY = 0, RR_FB_DATE_MILLISECOND = 1 };
/* enum TimeUnit : short { SECOND, MILLISECOND, MICROSECOND, NANOSECOND } —
 * the same numbering as rr_arrow_time_unit_t. */
/* table Time { unit: TimeUnit = MILLISECOND; bitWidth: int = 32; } */
enum { RR_FB_TIME_UNIT = 0, RR_FB_TIME_BIT_WIDTH = 1 };
/* table Timestamp { unit: TimeUnit (default SECOND); timezone: string; } */
enum { RR_FB_TIMESTAMP_UNIT = 0, RR_FB_TIMESTAMP_TIMEZONE = 1 };
/* table Interval { unit: IntervalUnit (short: YEAR_MONTH 0, DAY_TIME 1, MONTH_DAY_NANO 2); } */
enum { RR_FB_INTERVAL_UNIT = 0 };
enum { RR_FB_INTERVAL_YEAR_MONTH = 0, RR_FB_INTERVAL_DAY_TIME = 1, RR_FB_INTERVAL_MONTH_DAY_NANO = 2 };
/* table Duration { unit: TimeUnit = MILLISECOND; } */
enum { RR_FB_DURATION_UNIT = 0 };
/* table FixedSizeBinary { byteWidth: int; } */
enum { RR_FB_FIXED_SIZE_BINARY_BYTE_WIDTH = 0 };
/* table FixedSizeList { listSize: int; } */
enum { RR_FB_FIXED_SIZE_LIST_SIZE = 0 };
/* table Map { keysSorted: bool; } */
enum { RR_FB_MAP_KEYS_SORTED = 0 };
/* table Union { mode: UnionMode (short: Sparse 0, Dense 1); typeIds: [int]; } */
enum { RR_FB_UNION_MODE = 0, RR_FB_UNION_TYPE_IDS = 1 };
enum { RR_FB_UNION_SPARSE = 0, RR_FB_UNION_DENSE = 1 };

/* table KeyValue { key: string; value: string; } */
enum { RR_FB_KV_KEY = 0, RR_FB_KV_VALUE = 1 };

/* table DictionaryEncoding { id: long; indexType: Int; isOrdered: bool;
 *   dictionaryKind: DictionaryKind (short, DenseArray 0); } */
enum {
    RR_FB_DICT_ID = 0,
    RR_FB_DICT_INDEX_TYPE = 1,
    RR_FB_DICT_IS_ORDERED = 2,
    RR_FB_DICT_KIND = 3,
};

/* table Field { name: string; nullable: bool; type: Type; dictionary:
 *   DictionaryEncoding; children: [Field]; custom_metadata: [KeyValue]; } */
enum {
    RR_FB_FIELD_NAME = 0,
    RR_FB_FIELD_NULLABLE = 1,
    RR_FB_FIELD_TYPE_TYPE = 2,
    RR_FB_FIELD_TYPE = 3,
    RR_FB_FIELD_DICTIONARY = 4,
    RR_FB_FIELD_CHILDREN = 5,
    RR_FB_FIELD_CUSTOM_METADATA = 6,
};

/* table Schema { endianness: Endianness (short: Little 0, Big 1); fields:
 *   [Field]; custom_metadata: [KeyValue]; features: [Feature (long)]; } */
enum {
    RR_FB_SCHEMA_ENDIANNESS = 0,
    RR_FB_SCHEMA_FIELDS = 1,
    RR_FB_SCHEMA_CUSTOM_METADATA = 2,
    RR_FB_SCHEMA_FEATURES = 3,
};

/* struct FieldNode { length: long; null_count: long; }  16 bytes
 * struct Buffer { offset: long; length: long; }          16 bytes */
#define RR_FB_FIELD_NODE_SIZE 16
#define RR_FB_BUFFER_SIZE 16

/* table BodyCompression { codec: CompressionType (byte: LZ4_FRAME 0, ZSTD 1);
 *   method: BodyCompressionMethod (byte: BUFFER 0); }
 * A compressed buffer starts with its uncompressed length as int64 LE; -1
 * means the rest is stored uncompressed. */
enum { RR_FB_COMPRESSION_CODEC = 0, RR_FB_COMPRESSION_METHOD = 1 };
enum { RR_FB_CODEC_LZ4_FRAME = 0, RR_FB_CODEC_ZSTD = 1 };

/* table RecordBatch { length: long; nodes: [FieldNode]; buffers: [Buffer];
 *   compression: BodyCompression; variadicBufferCounts: [long]; } */
enum {
    RR_FB_BATCH_LENGTH = 0,
    RR_FB_BATCH_NODES = 1,
    RR_FB_BATCH_BUFFERS = 2,
    RR_FB_BATCH_COMPRESSION = 3,
    RR_FB_BATCH_VARIADIC_COUNTS = 4,
};

/* table DictionaryBatch { id: long; data: RecordBatch; isDelta: bool; } */
enum { RR_FB_DICT_BATCH_ID = 0, RR_FB_DICT_BATCH_DATA = 1, RR_FB_DICT_BATCH_IS_DELTA = 2 };

/* union MessageHeader */
enum {
    RR_FB_HEADER_NONE = 0,
    RR_FB_HEADER_SCHEMA = 1,
    RR_FB_HEADER_DICTIONARY_BATCH = 2,
    RR_FB_HEADER_RECORD_BATCH = 3,
    RR_FB_HEADER_TENSOR = 4,
    RR_FB_HEADER_SPARSE_TENSOR = 5,
};

/* table Message { version: MetadataVersion; header: MessageHeader;
 *   bodyLength: long; custom_metadata: [KeyValue]; } */
enum {
    RR_FB_MESSAGE_VERSION = 0,
    RR_FB_MESSAGE_HEADER_TYPE = 1,
    RR_FB_MESSAGE_HEADER = 2,
    RR_FB_MESSAGE_BODY_LENGTH = 3,
    RR_FB_MESSAGE_CUSTOM_METADATA = 4,
};

/* File format: "ARROW1" + 2 padding bytes, a stream, then the Footer
 * flatbuffer, its int32 length, and "ARROW1".
 * struct Block { offset: long; metaDataLength: int; (4 bytes padding)
 *   bodyLength: long; }  24 bytes
 * table Footer { version: MetadataVersion; schema: Schema; dictionaries:
 *   [Block]; recordBatches: [Block]; custom_metadata: [KeyValue]; } */
#define RR_FB_BLOCK_SIZE 24
enum {
    RR_FB_FOOTER_VERSION = 0,
    RR_FB_FOOTER_SCHEMA = 1,
    RR_FB_FOOTER_DICTIONARIES = 2,
    RR_FB_FOOTER_RECORD_BATCHES = 3,
    RR_FB_FOOTER_CUSTOM_METADATA = 4,
};

#endif
