/*
 * mapi_logoff_trace.h - a logging kit for MAPI store and transport providers.
 *
 * Writes the calls a provider makes and receives around logoff as the
 * mapi-logoff trace format, version 2 (JSON Lines; docs/trace-format.md of
 * the mapi-logoff project), so that `mapi-logoff check provider.jsonl` can
 * tell the provider's author where its logoff breaks the protocol and who
 * broke it. A worked example is in docs/logging-kit.md.
 *
 * Header only, C99 and C++11 (and later). It needs the C standard library
 * and MAPI's own types, nothing else: include <mapix.h> (or <mapidefs.h>,
 * or your own equivalent) BEFORE this header, because ULONG and HRESULT are
 * taken from the includer. To use other type names, define before including:
 *
 *   MLT_ULONG        the type of ulFlags and reference counts (default ULONG)
 *   MLT_HRESULT      the type of results (default HRESULT)
 *   MLT_POINTER      how objects and buffers are passed (default const void *;
 *                    every MAPI interface pointer and LPVOID converts to it)
 *
 * Other settings, all optional:
 *
 *   MLT_THREAD_ID()  an integer naming the calling thread. Default:
 *                    GetCurrentThreadId() on Windows (declared by <windows.h>,
 *                    which the MAPI headers include), pthread_self() on
 *                    POSIX systems. Elsewhere define it (`0` is right for a
 *                    program with one thread).
 *   MLT_LOCK(), MLT_UNLOCK()
 *                    a lock (a CRITICAL_SECTION, a pthread mutex) held while
 *                    a call id is drawn and a line is written. Without it,
 *                    call ids are drawn with the compiler's atomic increment
 *                    (GCC, Clang, MSVC) and each line is written by one
 *                    fwrite(), which the C library does as one unit, so
 *                    lines of several threads never mix. Define the lock
 *                    when you log from several threads with another compiler
 *                    or through a callback that is not thread-safe.
 *   MLT_LINE_MAX     the longest line in bytes (default 4096); a longer line
 *                    is not written and the call returns MLT_E_LINE_FULL.
 *   MLT_FLUSH_EACH_LINE
 *                    1 (default) flushes the FILE after every line, so the
 *                    log is complete up to a crash; 0 leaves it to stdio.
 *   MLT_DISABLED     defined: the MLT_* macros write nothing and do not
 *                    evaluate their arguments (release builds); keep calls
 *                    with side effects out of their arguments.
 *
 * How objects are named. Pointers are written as hex strings ("0x7ff6a0c0"),
 * which keep every bit of a 64-bit pointer. A support object is named by
 * the object MAPI gave it to: mlt_store_support(store) and
 * mlt_session_support(logon), not by its own pointer, so that the checker
 * knows whose support object it is. MAPI allocates nothing in this header;
 * blocks are only named by their pointers.
 *
 * Every function returns MLT_OK (0) or a negative MLT_E_* code, and writes
 * nothing when it fails (mlt_error_text() says why, log->lines_dropped
 * counts it). mlt_call_begin() returns the call id its return line needs,
 * or 0 when it wrote nothing; a return for call 0 writes nothing either.
 * Bad arguments never crash the provider: a NULL log, method or kind is
 * MLT_E_ARGUMENT.
 */
#ifndef MAPI_LOGOFF_TRACE_H
#define MAPI_LOGOFF_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef MLT_ULONG
#define MLT_ULONG ULONG
#endif
#ifndef MLT_HRESULT
#define MLT_HRESULT HRESULT
#endif
#ifndef MLT_POINTER
#define MLT_POINTER const void *
#endif
#ifndef MLT_LINE_MAX
#define MLT_LINE_MAX 4096
#endif
#ifndef MLT_FLUSH_EACH_LINE
#define MLT_FLUSH_EACH_LINE 1
#endif

#ifndef MLT_THREAD_ID
#if defined(_WIN32)
#define MLT_THREAD_ID() ((unsigned long long)GetCurrentThreadId())
#elif defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define MLT_THREAD_ID() ((unsigned long long)(uintptr_t)pthread_self())
#else
#error "mapi_logoff_trace.h: define MLT_THREAD_ID() to an integer naming the calling thread (0 for one thread)"
#endif
#endif

#if defined(MLT_LOCK) != defined(MLT_UNLOCK)
#error "mapi_logoff_trace.h: define both MLT_LOCK() and MLT_UNLOCK(), or neither"
#endif

#if defined(_MSC_VER) && !defined(MLT_LOCK) && !defined(__clang__)
#include <intrin.h>
#endif

/* Every function has internal linkage: each translation unit that
   includes the header gets its own copy, in C and in C++. */
#if defined(__cplusplus)
#define MLT_FUNCTION static inline
#elif defined(_MSC_VER)
#define MLT_FUNCTION static __inline
#else
#define MLT_FUNCTION static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The trace format's longest id, name or method, in characters. */
#define MLT_NAME_MAX 256

#define MLT_OK 0
/* A NULL log or method, an object without a kind, or a kind the format does not know. */
#define MLT_E_ARGUMENT (-1)
/* A method, id or provider name longer than MLT_NAME_MAX characters. */
#define MLT_E_TOO_LONG (-2)
/* The line would be longer than MLT_LINE_MAX bytes. */
#define MLT_E_LINE_FULL (-3)
/* fwrite or fflush failed, or the callback returned non-zero. */
#define MLT_E_WRITE (-4)
/* A return for call 0: its entry line was not written. */
#define MLT_E_NO_CALL (-5)

/* Writes one line of `length` bytes (ending in '\n'); returns 0 on success. */
typedef int (*mlt_write_fn)(void *context, const char *line, size_t length);

typedef struct mlt_log {
    FILE *file;
    mlt_write_fn write;
    void *context;
    /* The last call id handed out. */
    unsigned long calls_begun;
    /* Lines not written because of an error. */
    unsigned long lines_dropped;
} mlt_log;

/* An object of a call: its kind (one of the format's object kinds) and its
   id, a pointer or a name. A session may also say its transport provider. */
typedef struct mlt_ref {
    const char *kind;
    const char *name;
    unsigned long long pointer;
    int has_pointer;
    const char *provider_name;
    unsigned long long provider_pointer;
    int has_provider_pointer;
} mlt_ref;

MLT_FUNCTION const char *mlt_error_text(int code)
{
    switch (code) {
    case MLT_OK:
        return "no error";
    case MLT_E_ARGUMENT:
        return "a NULL log or method, or an object without a kind the trace format knows "
               "(client, spooler, mapi, store, storeSupport, storeProvider, session, sessionSupport, transport, block)";
    case MLT_E_TOO_LONG:
        return "a method, id or provider name is longer than 256 characters, the trace format's limit";
    case MLT_E_LINE_FULL:
        return "the line is longer than MLT_LINE_MAX bytes; define MLT_LINE_MAX larger";
    case MLT_E_WRITE:
        return "writing the line failed (fwrite, fflush or the callback)";
    case MLT_E_NO_CALL:
        return "a return line for call 0: its entry line was not written";
    default:
        return "not an error code of mapi_logoff_trace.h";
    }
}

/* ---- object references ------------------------------------------------ */

MLT_FUNCTION mlt_ref mlt__ref(const char *kind)
{
    mlt_ref r;
    memset(&r, 0, sizeof r);
    r.kind = kind;
    return r;
}

MLT_FUNCTION mlt_ref mlt__pointer_ref(const char *kind, MLT_POINTER p)
{
    mlt_ref r = mlt__ref(kind);
    r.pointer = (unsigned long long)(uintptr_t)p;
    r.has_pointer = 1;
    return r;
}

/* No object: a caller the provider does not know. The field is left out. */
MLT_FUNCTION mlt_ref mlt_nobody(void) { return mlt__ref(NULL); }
/* The application, or whoever called the provider's store as its client. */
MLT_FUNCTION mlt_ref mlt_client(void) { return mlt__ref("client"); }
/* The MAPI spooler (it calls TransportLogoff, TransportNotify, IXPLogon::Release). */
MLT_FUNCTION mlt_ref mlt_spooler(void) { return mlt__ref("spooler"); }
/* MAPI itself (IXPProvider::Shutdown, IMSLogon::Logoff, allocations it makes for you). */
MLT_FUNCTION mlt_ref mlt_mapi(void) { return mlt__ref("mapi"); }
/* A store: the IMsgStore the client holds. */
MLT_FUNCTION mlt_ref mlt_store(MLT_POINTER msg_store) { return mlt__pointer_ref("store", msg_store); }
/* The support object MAPI gave `msg_store`, named by the store. */
MLT_FUNCTION mlt_ref mlt_store_support(MLT_POINTER msg_store) { return mlt__pointer_ref("storeSupport", msg_store); }
/* A store provider's IMSProvider. */
MLT_FUNCTION mlt_ref mlt_store_provider(MLT_POINTER ms_provider)
{
    return mlt__pointer_ref("storeProvider", ms_provider);
}
/* A transport session (an IXPLogon) and, unless NULL, the IXPProvider it belongs to. */
MLT_FUNCTION mlt_ref mlt_session(MLT_POINTER xp_logon, MLT_POINTER xp_provider)
{
    mlt_ref r = mlt__pointer_ref("session", xp_logon);
    if (xp_provider != NULL) {
        r.provider_pointer = (unsigned long long)(uintptr_t)xp_provider;
        r.has_provider_pointer = 1;
    }
    return r;
}
/* The support object MAPI gave the session `xp_logon`, named by the session. */
MLT_FUNCTION mlt_ref mlt_session_support(MLT_POINTER xp_logon) { return mlt__pointer_ref("sessionSupport", xp_logon); }
/* A transport provider's IXPProvider. */
MLT_FUNCTION mlt_ref mlt_transport(MLT_POINTER xp_provider) { return mlt__pointer_ref("transport", xp_provider); }
/* Any kind of object named by a name instead of a pointer ("Mailbox"). */
MLT_FUNCTION mlt_ref mlt_named(const char *kind, const char *name)
{
    mlt_ref r = mlt__ref(kind);
    r.name = name;
    return r;
}
/* A session named by a name, with its transport provider's name (or NULL). */
MLT_FUNCTION mlt_ref mlt_named_session(const char *name, const char *provider_name)
{
    mlt_ref r = mlt_named("session", name);
    r.provider_name = provider_name;
    return r;
}

/* ---- one line --------------------------------------------------------- */

/* A header line needs 44 bytes; a call with short ids a few hundred. */
typedef char mlt__line_max_is_at_least_256[(MLT_LINE_MAX >= 256) ? 1 : -1];

typedef struct mlt__line {
    char text[MLT_LINE_MAX];
    size_t length;
    int error;
    /* No field written yet: the next needs no comma. */
    int empty;
} mlt__line;

MLT_FUNCTION void mlt__start(mlt__line *l)
{
    l->text[0] = '{';
    l->length = 1;
    l->error = MLT_OK;
    l->empty = 1;
}

MLT_FUNCTION void mlt__fail(mlt__line *l, int error)
{
    if (l->error == MLT_OK) {
        l->error = error;
    }
}

/* Keeps 2 bytes for the closing brace and the newline. */
MLT_FUNCTION void mlt__put(mlt__line *l, const char *bytes, size_t n)
{
    if (l->error != MLT_OK) {
        return;
    }
    if (n > (size_t)MLT_LINE_MAX - 2 - l->length) {
        mlt__fail(l, MLT_E_LINE_FULL);
        return;
    }
    memcpy(l->text + l->length, bytes, n);
    l->length += n;
}

MLT_FUNCTION void mlt__puts(mlt__line *l, const char *text) { mlt__put(l, text, strlen(text)); }

MLT_FUNCTION void mlt__key(mlt__line *l, const char *key)
{
    if (!l->empty) {
        mlt__put(l, ",", 1);
    }
    l->empty = 0;
    mlt__put(l, "\"", 1);
    mlt__puts(l, key);
    mlt__put(l, "\":", 2);
}

MLT_FUNCTION void mlt__decimal(mlt__line *l, unsigned long long v)
{
    char digits[20];
    size_t n = sizeof digits;
    do {
        digits[--n] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    mlt__put(l, digits + n, sizeof digits - n);
}

/* `0x` and the digits; at least `width` of them, zero-padded. */
MLT_FUNCTION void mlt__hex(mlt__line *l, unsigned long long v, int width, int upper)
{
    const char *alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char digits[18];
    size_t n = sizeof digits;
    int written = 0;
    do {
        digits[--n] = alphabet[v & 0xFu];
        v >>= 4;
        written++;
    } while (v != 0u || written < width);
    digits[--n] = 'x';
    digits[--n] = '0';
    mlt__put(l, digits + n, sizeof digits - n);
}

MLT_FUNCTION void mlt__quoted_hex(mlt__line *l, unsigned long long v, int width, int upper)
{
    mlt__put(l, "\"", 1);
    mlt__hex(l, v, width, upper);
    mlt__put(l, "\"", 1);
}

/* The length of the valid UTF-8 sequence at `p`, or 0. */
MLT_FUNCTION size_t mlt__utf8_sequence(const unsigned char *p)
{
    unsigned long cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) {
            return 0;
        }
        cp = ((unsigned long)(p[0] & 0x0F) << 12) | ((unsigned long)(p[1] & 0x3F) << 6) | (unsigned long)(p[2] & 0x3F);
        /* Overlong forms and UTF-16 surrogates are not UTF-8. */
        return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) {
            return 0;
        }
        cp = ((unsigned long)(p[0] & 0x07) << 18) | ((unsigned long)(p[1] & 0x3F) << 12) |
             ((unsigned long)(p[2] & 0x3F) << 6) | (unsigned long)(p[3] & 0x3F);
        return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
    }
    return 0;
}

/* A JSON string. Bytes that are not UTF-8 become U+FFFD, so that a name
   in a legacy code page still gives a valid line. */
MLT_FUNCTION void mlt__string(mlt__line *l, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)text;
    size_t characters = 0;
    mlt__put(l, "\"", 1);
    while (*p != 0) {
        unsigned char c = *p;
        size_t n;
        characters++;
        if (c >= 0x80) {
            n = mlt__utf8_sequence(p);
            if (n == 0) {
                mlt__puts(l, "\\ufffd");
                p++;
            } else {
                mlt__put(l, (const char *)p, n);
                p += n;
            }
            continue;
        }
        p++;
        switch (c) {
        case '"':
            mlt__puts(l, "\\\"");
            break;
        case '\\':
            mlt__puts(l, "\\\\");
            break;
        case '\n':
            mlt__puts(l, "\\n");
            break;
        case '\r':
            mlt__puts(l, "\\r");
            break;
        case '\t':
            mlt__puts(l, "\\t");
            break;
        case '\b':
            mlt__puts(l, "\\b");
            break;
        case '\f':
            mlt__puts(l, "\\f");
            break;
        default:
            if (c < 0x20) {
                char escape[6] = {'\\', 'u', '0', '0', 0, 0};
                escape[4] = hex[c >> 4];
                escape[5] = hex[c & 0xF];
                mlt__put(l, escape, sizeof escape);
            } else {
                char plain = (char)c;
                mlt__put(l, &plain, 1);
            }
        }
    }
    mlt__put(l, "\"", 1);
    if (characters > MLT_NAME_MAX) {
        mlt__fail(l, MLT_E_TOO_LONG);
    }
}

MLT_FUNCTION int mlt__known_kind(const char *kind)
{
    static const char *const kinds[] = {"client",        "spooler", "mapi",           "store",     "storeSupport",
                                        "storeProvider", "session", "sessionSupport", "transport", "block"};
    size_t i;
    if (kind == NULL) {
        return 0;
    }
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kind, kinds[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* `"key":{"kind":...,"id":...,"provider":...}` */
MLT_FUNCTION void mlt__object(mlt__line *l, const char *key, mlt_ref r)
{
    if (!mlt__known_kind(r.kind)) {
        mlt__fail(l, MLT_E_ARGUMENT);
        return;
    }
    mlt__key(l, key);
    mlt__puts(l, "{\"kind\":");
    mlt__string(l, r.kind);
    if (r.has_pointer) {
        mlt__puts(l, ",\"id\":");
        mlt__quoted_hex(l, r.pointer, 1, 0);
    } else if (r.name != NULL) {
        mlt__puts(l, ",\"id\":");
        mlt__string(l, r.name);
    }
    if (r.has_provider_pointer) {
        mlt__puts(l, ",\"provider\":");
        mlt__quoted_hex(l, r.provider_pointer, 1, 0);
    } else if (r.provider_name != NULL) {
        mlt__puts(l, ",\"provider\":");
        mlt__string(l, r.provider_name);
    }
    mlt__put(l, "}", 1);
}

/* Threads are numbers while JavaScript can hold them exactly (2^53),
   hex strings above. */
MLT_FUNCTION void mlt__thread(mlt__line *l)
{
    unsigned long long thread = (unsigned long long)(MLT_THREAD_ID());
    mlt__key(l, "thread");
    if (thread <= 9007199254740991ULL) {
        mlt__decimal(l, thread);
    } else {
        mlt__quoted_hex(l, thread, 1, 0);
    }
}

/* Flags and HRESULTs as the headers print them: 0x and 8 hex digits. */
MLT_FUNCTION void mlt__bits(mlt__line *l, const char *key, unsigned long long v)
{
    mlt__key(l, key);
    mlt__quoted_hex(l, v & 0xFFFFFFFFULL, 8, 1);
}

MLT_FUNCTION void mlt__hresult(mlt__line *l, MLT_HRESULT hr)
{
    /* HRESULT is signed: its 32 bits, whatever the width of the type. */
    mlt__bits(l, "hresult", (unsigned long long)(long long)hr);
}

MLT_FUNCTION unsigned long mlt__increment(unsigned long *counter)
{
#if defined(MLT_LOCK)
    unsigned long value;
    MLT_LOCK();
    value = ++*counter;
    MLT_UNLOCK();
    return value;
#elif defined(__GNUC__) || defined(__clang__)
    return __atomic_add_fetch(counter, 1UL, __ATOMIC_RELAXED);
#elif defined(_MSC_VER)
    /* unsigned long and long are both 32 bits on Windows. */
    return (unsigned long)_InterlockedIncrement((long volatile *)counter);
#else
    return ++*counter;
#endif
}

/* Ends the line and writes it in one piece. */
MLT_FUNCTION int mlt__emit(mlt_log *log, mlt__line *l)
{
    int result = l->error;
    if (result == MLT_OK) {
        /* mlt__put kept room for these two bytes. */
        l->text[l->length++] = '}';
        l->text[l->length++] = '\n';
#if defined(MLT_LOCK)
        MLT_LOCK();
#endif
        if (log->write != NULL) {
            if (log->write(log->context, l->text, l->length) != 0) {
                result = MLT_E_WRITE;
            }
        } else if (log->file == NULL || fwrite(l->text, 1, l->length, log->file) != l->length) {
            result = MLT_E_WRITE;
        } else if (MLT_FLUSH_EACH_LINE && fflush(log->file) != 0) {
            result = MLT_E_WRITE;
        }
#if defined(MLT_UNLOCK)
        MLT_UNLOCK();
#endif
    }
    if (result != MLT_OK) {
        (void)mlt__increment(&log->lines_dropped);
    }
    return result;
}

/* ---- starting a log --------------------------------------------------- */

MLT_FUNCTION int mlt__header(mlt_log *log)
{
    mlt__line l;
    mlt__start(&l);
    mlt__key(&l, "format");
    mlt__string(&l, "mapi-logoff-trace");
    mlt__key(&l, "version");
    mlt__decimal(&l, 2);
    return mlt__emit(log, &l);
}

/* Starts a log in `file` (opened for writing, "wb" keeps \n line ends on
   Windows) and writes its header line. */
MLT_FUNCTION int mlt_init_file(mlt_log *log, FILE *file)
{
    if (log == NULL || file == NULL) {
        return MLT_E_ARGUMENT;
    }
    memset(log, 0, sizeof *log);
    log->file = file;
    return mlt__header(log);
}

/* Starts a log written through `write` (a debugger channel, a ring buffer,
   a pipe) and writes its header line. */
MLT_FUNCTION int mlt_init_callback(mlt_log *log, mlt_write_fn write, void *context)
{
    if (log == NULL || write == NULL) {
        return MLT_E_ARGUMENT;
    }
    memset(log, 0, sizeof *log);
    log->write = write;
    log->context = context;
    return mlt__header(log);
}

/* ---- calls ------------------------------------------------------------ */

/* What a call line may carry besides caller, object and method. */
typedef struct mlt__fields {
    int has_flags;
    MLT_ULONG flags;
    int has_message;
    unsigned long long message;
    int has_hresult;
    MLT_HRESULT hresult;
    int has_out_flags;
    MLT_ULONG out_flags;
    int has_ref_count;
    MLT_ULONG ref_count;
} mlt__fields;

MLT_FUNCTION mlt__fields mlt__no_fields(void)
{
    mlt__fields f;
    memset(&f, 0, sizeof f);
    return f;
}

MLT_FUNCTION void mlt__results(mlt__line *l, const mlt__fields *f)
{
    if (f->has_hresult) {
        mlt__hresult(l, f->hresult);
    }
    if (f->has_out_flags) {
        mlt__bits(l, "outFlags", (unsigned long long)f->out_flags);
    }
    if (f->has_ref_count) {
        mlt__key(l, "refCount");
        mlt__decimal(l, (unsigned long long)f->ref_count);
    }
}

/* A call line: an entry line when `call` is not 0, else a whole call. */
MLT_FUNCTION int mlt__call(mlt_log *log, unsigned long call, mlt_ref caller, mlt_ref object, const char *method,
                           const mlt__fields *f)
{
    mlt__line l;
    if (log == NULL) {
        return MLT_E_ARGUMENT;
    }
    if (method == NULL) {
        (void)mlt__increment(&log->lines_dropped);
        return MLT_E_ARGUMENT;
    }
    mlt__start(&l);
    mlt__thread(&l);
    if (call != 0) {
        mlt__key(&l, "call");
        mlt__decimal(&l, call);
    }
    if (caller.kind != NULL) {
        mlt__object(&l, "caller", caller);
    }
    mlt__object(&l, "object", object);
    mlt__key(&l, "method");
    mlt__string(&l, method);
    if (f->has_flags) {
        mlt__bits(&l, "flags", (unsigned long long)f->flags);
    }
    if (f->has_message) {
        mlt__key(&l, "message");
        mlt__quoted_hex(&l, f->message, 1, 0);
    }
    mlt__results(&l, f);
    return mlt__emit(log, &l);
}

MLT_FUNCTION unsigned long mlt__begin(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method,
                                      const mlt__fields *f)
{
    unsigned long call;
    if (log == NULL) {
        return 0;
    }
    call = mlt__increment(&log->calls_begun);
    /* 0 means "not written"; a counter that wrapped skips it. */
    if (call == 0) {
        call = mlt__increment(&log->calls_begun);
    }
    return mlt__call(log, call, caller, object, method, f) == MLT_OK ? call : 0;
}

/* The entry line of a call whose results come later (mlt_call_end*): write
   it when the call begins, before the calls it makes. Returns its id, or 0
   when nothing was written. */
MLT_FUNCTION unsigned long mlt_call_begin(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method)
{
    mlt__fields f = mlt__no_fields();
    return mlt__begin(log, caller, object, method, &f);
}

/* The same for a method with ulFlags (StoreLogoff: the flags it was given). */
MLT_FUNCTION unsigned long mlt_call_begin_flags(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method,
                                                MLT_ULONG flags)
{
    mlt__fields f = mlt__no_fields();
    f.has_flags = 1;
    f.flags = flags;
    return mlt__begin(log, caller, object, method, &f);
}

/* The same for a transfer (SubmitMessage, StartMessage, EndMessage):
   `message` names the message. */
MLT_FUNCTION unsigned long mlt_call_begin_message(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method,
                                                  MLT_POINTER message)
{
    mlt__fields f = mlt__no_fields();
    f.has_message = 1;
    f.message = (unsigned long long)(uintptr_t)message;
    return mlt__begin(log, caller, object, method, &f);
}

MLT_FUNCTION int mlt__end(mlt_log *log, unsigned long call, const mlt__fields *f)
{
    mlt__line l;
    if (log == NULL) {
        return MLT_E_ARGUMENT;
    }
    if (call == 0) {
        (void)mlt__increment(&log->lines_dropped);
        return MLT_E_NO_CALL;
    }
    mlt__start(&l);
    mlt__thread(&l);
    mlt__key(&l, "return");
    mlt__decimal(&l, call);
    mlt__results(&l, f);
    return mlt__emit(log, &l);
}

/* The return line of call `call`, from the thread that began it. */
MLT_FUNCTION int mlt_call_end(mlt_log *log, unsigned long call, MLT_HRESULT hr)
{
    mlt__fields f = mlt__no_fields();
    f.has_hresult = 1;
    f.hresult = hr;
    return mlt__end(log, call, &f);
}

/* The return line of a call that writes flags back (StoreLogoff,
   StoreLogoffTransports: *lpulFlags after the call). */
MLT_FUNCTION int mlt_call_end_out(mlt_log *log, unsigned long call, MLT_HRESULT hr, MLT_ULONG out_flags)
{
    mlt__fields f = mlt__no_fields();
    f.has_hresult = 1;
    f.hresult = hr;
    f.has_out_flags = 1;
    f.out_flags = out_flags;
    return mlt__end(log, call, &f);
}

/* The return line of a Release: the count it returns (0: the object is gone). */
MLT_FUNCTION int mlt_release_end(mlt_log *log, unsigned long call, MLT_ULONG ref_count)
{
    mlt__fields f = mlt__no_fields();
    f.has_ref_count = 1;
    f.ref_count = ref_count;
    return mlt__end(log, call, &f);
}

/* A whole call on one line, written when it has returned. Use it for calls
   that make no logged calls inside (MakeInvalid, TransportNotify). */
MLT_FUNCTION int mlt_call(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method, MLT_HRESULT hr)
{
    mlt__fields f = mlt__no_fields();
    f.has_hresult = 1;
    f.hresult = hr;
    return mlt__call(log, 0, caller, object, method, &f);
}

MLT_FUNCTION int mlt_call_flags(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method, MLT_ULONG flags,
                                MLT_HRESULT hr)
{
    mlt__fields f = mlt__no_fields();
    f.has_flags = 1;
    f.flags = flags;
    f.has_hresult = 1;
    f.hresult = hr;
    return mlt__call(log, 0, caller, object, method, &f);
}

/* A whole call with flags in and out (StoreLogoffTransports). */
MLT_FUNCTION int mlt_call_flags_out(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method,
                                    MLT_ULONG flags, MLT_HRESULT hr, MLT_ULONG out_flags)
{
    mlt__fields f = mlt__no_fields();
    f.has_flags = 1;
    f.flags = flags;
    f.has_hresult = 1;
    f.hresult = hr;
    f.has_out_flags = 1;
    f.out_flags = out_flags;
    return mlt__call(log, 0, caller, object, method, &f);
}

/* A whole transfer call: `message` names the message. */
MLT_FUNCTION int mlt_call_message(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method,
                                  MLT_POINTER message, MLT_HRESULT hr)
{
    mlt__fields f = mlt__no_fields();
    f.has_message = 1;
    f.message = (unsigned long long)(uintptr_t)message;
    f.has_hresult = 1;
    f.hresult = hr;
    return mlt__call(log, 0, caller, object, method, &f);
}

/* A whole Release (of a support object, say) with the count it returned. */
MLT_FUNCTION int mlt_release(mlt_log *log, mlt_ref caller, mlt_ref object, const char *method, MLT_ULONG ref_count)
{
    mlt__fields f = mlt__no_fields();
    f.has_ref_count = 1;
    f.ref_count = ref_count;
    return mlt__call(log, 0, caller, object, method, &f);
}

/* ---- memory ----------------------------------------------------------- */

/* An allocator line: the block is the object and the `block` field. */
MLT_FUNCTION int mlt__memory(mlt_log *log, mlt_ref caller, const char *method, MLT_POINTER block, MLT_POINTER parent,
                             mlt_ref owner, const char *purpose, MLT_HRESULT hr)
{
    mlt__line l;
    unsigned long long id = (unsigned long long)(uintptr_t)block;
    if (log == NULL) {
        return MLT_E_ARGUMENT;
    }
    mlt__start(&l);
    mlt__thread(&l);
    if (caller.kind != NULL) {
        mlt__object(&l, "caller", caller);
    }
    mlt__key(&l, "object");
    if (block == NULL) {
        mlt__puts(&l, "{\"kind\":\"block\"}");
    } else {
        mlt__puts(&l, "{\"kind\":\"block\",\"id\":");
        mlt__quoted_hex(&l, id, 1, 0);
        mlt__put(&l, "}", 1);
    }
    mlt__key(&l, "method");
    mlt__string(&l, method);
    mlt__key(&l, "block");
    if (block == NULL) {
        mlt__puts(&l, "null");
    } else {
        mlt__quoted_hex(&l, id, 1, 0);
    }
    if (parent != NULL) {
        mlt__key(&l, "parent");
        mlt__quoted_hex(&l, (unsigned long long)(uintptr_t)parent, 1, 0);
    }
    if (owner.kind != NULL) {
        mlt__object(&l, "owner", owner);
    }
    if (purpose != NULL) {
        mlt__key(&l, "purpose");
        mlt__string(&l, purpose);
    }
    mlt__hresult(&l, hr);
    return mlt__emit(log, &l);
}

/* MAPIAllocateBuffer by `caller` (the session whose memory it is), after
   it returned `*lppBuffer` = block. */
MLT_FUNCTION int mlt_alloc(mlt_log *log, mlt_ref caller, MLT_POINTER block, MLT_HRESULT hr)
{
    return mlt__memory(log, caller, "MAPIAllocateBuffer", block, NULL, mlt_nobody(), NULL, hr);
}

/* MAPIAllocateMore: `block` linked to the root block `parent`, freed with it. */
MLT_FUNCTION int mlt_alloc_more(mlt_log *log, mlt_ref caller, MLT_POINTER block, MLT_POINTER parent, MLT_HRESULT hr)
{
    return mlt__memory(log, caller, "MAPIAllocateMore", block, parent, mlt_nobody(), NULL, hr);
}

/* The array IXPLogon::AddressTypes returns: the session may free it at
   TransportLogoff, not before. */
MLT_FUNCTION int mlt_alloc_address_types(mlt_log *log, mlt_ref session, MLT_POINTER block, MLT_HRESULT hr)
{
    return mlt__memory(log, session, "MAPIAllocateBuffer", block, NULL, mlt_nobody(), "addressTypes", hr);
}

/* A buffer `caller` allocated that `owner` must free (memory MAPI
   allocated for a session: caller mlt_mapi(), owner the session). */
MLT_FUNCTION int mlt_alloc_for(mlt_log *log, mlt_ref caller, mlt_ref owner, MLT_POINTER block, MLT_HRESULT hr)
{
    return mlt__memory(log, caller, "MAPIAllocateBuffer", block, NULL, owner, NULL, hr);
}

/* MAPIFreeBuffer(block) by `caller`, with what it returned (it returns a
   ULONG, 0 on success). A NULL block is written as "block": null. */
MLT_FUNCTION int mlt_free(mlt_log *log, mlt_ref caller, MLT_POINTER block, MLT_ULONG result)
{
    return mlt__memory(log, caller, "MAPIFreeBuffer", block, NULL, mlt_nobody(), NULL, (MLT_HRESULT)result);
}

/* ---- declarations ----------------------------------------------------- */

MLT_FUNCTION int mlt__declare(mlt_log *log, mlt_ref object, const char *relation, mlt_ref other)
{
    mlt__line l;
    if (log == NULL) {
        return MLT_E_ARGUMENT;
    }
    mlt__start(&l);
    mlt__object(&l, "declare", object);
    mlt__object(&l, relation, other);
    return mlt__emit(log, &l);
}

/* `object` (your store or session) wraps `wrapped`, another provider's:
   your calls to it are a client's calls. */
MLT_FUNCTION int mlt_declare_wraps(mlt_log *log, mlt_ref object, mlt_ref wrapped)
{
    return mlt__declare(log, object, "wraps", wrapped);
}

/* `support` is a support object you implement, forwarding to MAPI's
   `target`: the calls it forwards are judged where they reach MAPI's. */
MLT_FUNCTION int mlt_declare_forwards_to(mlt_log *log, mlt_ref support, mlt_ref target)
{
    return mlt__declare(log, support, "forwardsTo", target);
}

#ifdef __cplusplus
}
#endif

/* ---- the macros: the same calls, compiled out with MLT_DISABLED --------- */

#ifndef MLT_DISABLED
#define MLT_INIT_FILE(log, file) mlt_init_file((log), (file))
#define MLT_CALL_BEGIN(log, caller, object, method) mlt_call_begin((log), (caller), (object), (method))
#define MLT_CALL_BEGIN_FLAGS(log, caller, object, method, flags) \
    mlt_call_begin_flags((log), (caller), (object), (method), (flags))
#define MLT_CALL_BEGIN_MESSAGE(log, caller, object, method, message) \
    mlt_call_begin_message((log), (caller), (object), (method), (message))
#define MLT_CALL_END(log, call, hr) mlt_call_end((log), (call), (hr))
#define MLT_CALL_END_OUT(log, call, hr, out_flags) mlt_call_end_out((log), (call), (hr), (out_flags))
#define MLT_RELEASE_END(log, call, ref_count) mlt_release_end((log), (call), (ref_count))
#define MLT_CALL(log, caller, object, method, hr) mlt_call((log), (caller), (object), (method), (hr))
#define MLT_CALL_FLAGS(log, caller, object, method, flags, hr) \
    mlt_call_flags((log), (caller), (object), (method), (flags), (hr))
#define MLT_CALL_FLAGS_OUT(log, caller, object, method, flags, hr, out_flags) \
    mlt_call_flags_out((log), (caller), (object), (method), (flags), (hr), (out_flags))
#define MLT_CALL_MESSAGE(log, caller, object, method, message, hr) \
    mlt_call_message((log), (caller), (object), (method), (message), (hr))
#define MLT_RELEASE(log, caller, object, method, ref_count) \
    mlt_release((log), (caller), (object), (method), (ref_count))
#define MLT_ALLOC(log, caller, block, hr) mlt_alloc((log), (caller), (block), (hr))
#define MLT_ALLOC_MORE(log, caller, block, parent, hr) mlt_alloc_more((log), (caller), (block), (parent), (hr))
#define MLT_ALLOC_ADDRESS_TYPES(log, session, block, hr) mlt_alloc_address_types((log), (session), (block), (hr))
#define MLT_ALLOC_FOR(log, caller, owner, block, hr) mlt_alloc_for((log), (caller), (owner), (block), (hr))
#define MLT_FREE(log, caller, block, result) mlt_free((log), (caller), (block), (result))
#define MLT_DECLARE_WRAPS(log, object, wrapped) mlt_declare_wraps((log), (object), (wrapped))
#define MLT_DECLARE_FORWARDS_TO(log, support, target) mlt_declare_forwards_to((log), (support), (target))
#else
/* The arguments are type-checked (inside sizeof) but never evaluated, so a
   call with side effects in them does not happen: keep such calls out of
   the arguments. A call id is 0. */
#define MLT__SEEN(x) ((void)sizeof(x))
#define MLT_INIT_FILE(log, file) (MLT__SEEN(log), MLT__SEEN(file), MLT_OK)
#define MLT_CALL_BEGIN(log, caller, object, method) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), 0UL)
#define MLT_CALL_BEGIN_FLAGS(log, caller, object, method, flags) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(flags), 0UL)
#define MLT_CALL_BEGIN_MESSAGE(log, caller, object, method, message) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(message), 0UL)
#define MLT_CALL_END(log, call, hr) (MLT__SEEN(log), MLT__SEEN(call), MLT__SEEN(hr), MLT_OK)
#define MLT_CALL_END_OUT(log, call, hr, out_flags) \
    (MLT__SEEN(log), MLT__SEEN(call), MLT__SEEN(hr), MLT__SEEN(out_flags), MLT_OK)
#define MLT_RELEASE_END(log, call, ref_count) (MLT__SEEN(log), MLT__SEEN(call), MLT__SEEN(ref_count), MLT_OK)
#define MLT_CALL(log, caller, object, method, hr) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(hr), MLT_OK)
#define MLT_CALL_FLAGS(log, caller, object, method, flags, hr) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(flags), MLT__SEEN(hr), MLT_OK)
#define MLT_CALL_FLAGS_OUT(log, caller, object, method, flags, hr, out_flags) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(flags), MLT__SEEN(hr), \
     MLT__SEEN(out_flags), MLT_OK)
#define MLT_CALL_MESSAGE(log, caller, object, method, message, hr) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(message), MLT__SEEN(hr), MLT_OK)
#define MLT_RELEASE(log, caller, object, method, ref_count) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(object), MLT__SEEN(method), MLT__SEEN(ref_count), MLT_OK)
#define MLT_ALLOC(log, caller, block, hr) (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(block), MLT__SEEN(hr), MLT_OK)
#define MLT_ALLOC_MORE(log, caller, block, parent, hr) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(block), MLT__SEEN(parent), MLT__SEEN(hr), MLT_OK)
#define MLT_ALLOC_ADDRESS_TYPES(log, session, block, hr) \
    (MLT__SEEN(log), MLT__SEEN(session), MLT__SEEN(block), MLT__SEEN(hr), MLT_OK)
#define MLT_ALLOC_FOR(log, caller, owner, block, hr) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(owner), MLT__SEEN(block), MLT__SEEN(hr), MLT_OK)
#define MLT_FREE(log, caller, block, result) \
    (MLT__SEEN(log), MLT__SEEN(caller), MLT__SEEN(block), MLT__SEEN(result), MLT_OK)
#define MLT_DECLARE_WRAPS(log, object, wrapped) (MLT__SEEN(log), MLT__SEEN(object), MLT__SEEN(wrapped), MLT_OK)
#define MLT_DECLARE_FORWARDS_TO(log, support, target) (MLT__SEEN(log), MLT__SEEN(support), MLT__SEEN(target), MLT_OK)
#endif

#endif /* MAPI_LOGOFF_TRACE_H */
