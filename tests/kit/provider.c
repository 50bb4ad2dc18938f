/*
 * A store provider and a transport provider logging off, logged with the
 * kit (src/c/mapi_logoff_trace.h), against a stand-in MAPI. It is C99 and
 * compiles as C++ too; tests/logging_kit.rs builds and runs it.
 *
 *   provider MODE OUT.jsonl
 *
 * MODE is `conforming`, or one injected mistake:
 *   m1  the store answers StoreLogoff itself and never calls StoreLogoffTransports
 *   m2  the store calls StoreLogoffTransports again at its final Release
 *   m6  the session releases its support object before freeing its memory
 *   m7  the session leaves a buffer allocated at TransportLogoff
 *   m8  the session frees its AddressTypes array before TransportLogoff
 * or `names`: lines whose names need escaping, and the kit's refusals.
 *
 * The store logs off on a second thread while the spooler logs the
 * transport session off on the main thread, so the two logs interleave.
 * Built with -DMLT_DISABLED it writes nothing; with -DPROVIDER_LOCKED it
 * uses the kit's MLT_LOCK/MLT_UNLOCK hooks.
 * Exit status: 0, or 2 for bad arguments, 3 when a logging call failed.
 */
#define _POSIX_C_SOURCE 200809L

#include "mapi_stand_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -DPROVIDER_LOCKED: the kit's lock hooks, as a provider that supplies its
   own lock defines them. */
#if defined(PROVIDER_LOCKED)
#include <pthread.h>
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
#define MLT_LOCK() ((void)pthread_mutex_lock(&trace_lock))
#define MLT_UNLOCK() ((void)pthread_mutex_unlock(&trace_lock))
#endif

#include "mapi_logoff_trace.h"

#if defined(__unix__) || defined(__APPLE__)
#define PROVIDER_THREADS 1
#include <pthread.h>
#endif

static mlt_log trace;

static enum { CONFORMING, M1, M2, M6, M7, M8 } mistake = CONFORMING;

/* Logging that fails is a failed test run, not a shorter log. */
static void logged(int result, const char *what)
{
    if (result != MLT_OK) {
        fprintf(stderr, "provider: logging %s failed: %s\n", what, mlt_error_text(result));
        exit(3);
    }
}

/* With MLT_DISABLED every call id is 0 and nothing is written. */
static unsigned long begun(unsigned long call, const char *what)
{
#ifndef MLT_DISABLED
    if (call == 0) {
        fprintf(stderr, "provider: logging the entry of %s failed\n", what);
        exit(3);
    }
#else
    (void)what;
#endif
    return call;
}

/* ---- the stand-in MAPI: its allocator and its support objects ------------ */

/* MAPIAllocateMore links a child to its root; freeing the root frees both. */
typedef union block_header {
    struct {
        union block_header *first_child;
        union block_header *next_sibling;
    } links;
    long double align_long_double;
    void *align_pointer;
    long long align_long_long;
} block_header;

static block_header *header_of(LPVOID buffer) { return (block_header *)buffer - 1; }

SCODE MAPIAllocateBuffer(ULONG cbSize, LPVOID *lppBuffer)
{
    block_header *h = (block_header *)calloc(1, sizeof(block_header) + cbSize);
    if (h == NULL) {
        *lppBuffer = NULL;
        return MAPI_E_NOT_ENOUGH_MEMORY;
    }
    *lppBuffer = h + 1;
    return S_OK;
}

SCODE MAPIAllocateMore(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer)
{
    block_header *root = header_of(lpObject);
    SCODE sc = MAPIAllocateBuffer(cbSize, lppBuffer);
    if (sc == S_OK) {
        block_header *h = header_of(*lppBuffer);
        h->links.next_sibling = root->links.first_child;
        root->links.first_child = h;
    }
    return sc;
}

ULONG MAPIFreeBuffer(LPVOID lpBuffer)
{
    block_header *h;
    if (lpBuffer == NULL) {
        return 0;
    }
    h = header_of(lpBuffer);
    while (h->links.first_child != NULL) {
        block_header *child = h->links.first_child;
        h->links.first_child = child->links.next_sibling;
        free(child);
    }
    free(h);
    return 0;
}

typedef struct support {
    IMAPISupport base;
    ULONG references;
    int for_store;
    int logged_off;
    int invalidated;
} support;

static ULONG support_release(IMAPISupport *self)
{
    support *s = (support *)self;
    ULONG left = --s->references;
    if (left == 0) {
        free(s);
    }
    return left;
}

/* The spooler has nothing of this store in flight: every flag completes. */
static HRESULT support_store_logoff_transports(IMAPISupport *self, ULONG *lpulFlags)
{
    support *s = (support *)self;
    if (!s->for_store) {
        return MAPI_E_NO_SUPPORT;
    }
    if (s->logged_off) {
        return MAPI_E_INVALID_OBJECT;
    }
    s->logged_off = 1;
    *lpulFlags = LOGOFF_COMPLETE;
    return S_OK;
}

static HRESULT support_make_invalid(IMAPISupport *self, ULONG ulFlags, LPVOID lpObject, ULONG ulRefCount, ULONG cMethods)
{
    support *s = (support *)self;
    (void)lpObject;
    (void)ulRefCount;
    (void)cMethods;
    if (ulFlags != 0) {
        return MAPI_E_INVALID_PARAMETER;
    }
    s->invalidated = 1;
    return S_OK;
}

static const IMAPISupportVtbl support_methods = {support_release, support_store_logoff_transports, support_make_invalid};

static IMAPISupport *new_support(int for_store)
{
    support *s = (support *)calloc(1, sizeof *s);
    if (s == NULL) {
        fprintf(stderr, "provider: out of memory\n");
        exit(3);
    }
    s->base.lpVtbl = &support_methods;
    s->references = 1;
    s->for_store = for_store;
    return &s->base;
}

/* ---- the store provider ------------------------------------------------- */

typedef struct store {
    ULONG references;
    IMAPISupport *support;
    /* StoreLogoffTransports ended this shutdown (COMPLETE or NO_SUPPORT). */
    int transports_done;
} store;

static HRESULT store_logoff_transports(store *self, ULONG flags, ULONG *out)
{
    ULONG answer = flags;
    unsigned long call = begun(MLT_CALL_BEGIN_FLAGS(&trace, mlt_store(self), mlt_store_support(self),
                                                    "IMAPISupport::StoreLogoffTransports", flags),
                               "StoreLogoffTransports");
    HRESULT hr = self->support->lpVtbl->StoreLogoffTransports(self->support, &answer);
    logged(MLT_CALL_END_OUT(&trace, call, hr, answer), "the return of StoreLogoffTransports");
    /* S11: a support object without the call is normal, the shutdown goes on. */
    if (hr == MAPI_E_NO_SUPPORT) {
        self->transports_done = 1;
        *out = LOGOFF_COMPLETE;
        return S_OK;
    }
    if (SUCCEEDED(hr) && (answer & LOGOFF_COMPLETE) != 0) {
        self->transports_done = 1;
    }
    *out = answer;
    return hr;
}

static int one_input_flag(ULONG flags)
{
    return flags == LOGOFF_NO_WAIT || flags == LOGOFF_ORDERLY || flags == LOGOFF_PURGE || flags == LOGOFF_ABORT ||
           flags == LOGOFF_QUIET;
}

/* IMsgStore::StoreLogoff, the immediate reading: ask MAPI at once and
   return exactly its answer. */
static HRESULT store_StoreLogoff(store *self, ULONG *lpulFlags)
{
    HRESULT hr;
    unsigned long call = begun(MLT_CALL_BEGIN_FLAGS(&trace, mlt_client(), mlt_store(self), "IMsgStore::StoreLogoff",
                                                    *lpulFlags),
                               "StoreLogoff");
    if (!one_input_flag(*lpulFlags)) {
        hr = MAPI_E_INVALID_PARAMETER;
    } else if (mistake == M1) {
        *lpulFlags = LOGOFF_COMPLETE;
        hr = S_OK;
    } else {
        hr = store_logoff_transports(self, *lpulFlags, lpulFlags);
    }
    logged(MLT_CALL_END_OUT(&trace, call, hr, *lpulFlags), "the return of StoreLogoff");
    return hr;
}

static ULONG store_AddRef(store *self)
{
    unsigned long call = begun(MLT_CALL_BEGIN(&trace, mlt_client(), mlt_store(self), "IMsgStore::AddRef"), "AddRef");
    ULONG count = ++self->references;
    logged(MLT_RELEASE_END(&trace, call, count), "the return of AddRef");
    return count;
}

/* IMsgStore::Release: at zero, StoreLogoffTransports(LOGOFF_ABORT) if no
   call ended the shutdown yet (S14), then the support object goes. */
static ULONG store_Release(store *self)
{
    unsigned long call = begun(MLT_CALL_BEGIN(&trace, mlt_client(), mlt_store(self), "IMsgStore::Release"), "Release");
    ULONG count = --self->references;
    if (count == 0) {
        ULONG ignored;
        if ((!self->transports_done && mistake != M1) || mistake == M2) {
            (void)store_logoff_transports(self, LOGOFF_ABORT, &ignored);
        }
        ULONG left = self->support->lpVtbl->Release(self->support);
        logged(MLT_RELEASE(&trace, mlt_store(self), mlt_store_support(self), "IMAPISupport::Release", left),
               "the support object's Release");
    }
    logged(MLT_RELEASE_END(&trace, call, count), "the return of Release");
    /* Freed after the last line that names it: its address is its id. */
    if (count == 0) {
        free(self);
    }
    return count;
}

/* What a client does with the store: logs it off, lets go of it. */
static void *client_logs_off_store(void *argument)
{
    store *s = (store *)argument;
    ULONG flags = LOGOFF_ORDERLY;
    (void)store_AddRef(s);
    if (store_StoreLogoff(s, &flags) != S_OK || flags != LOGOFF_COMPLETE) {
        fprintf(stderr, "provider: StoreLogoff did not complete\n");
        exit(3);
    }
    (void)store_Release(s);
    (void)store_Release(s);
    return NULL;
}

/* ---- the transport provider --------------------------------------------- */

typedef struct transport {
    ULONG references;
} transport;

typedef struct session {
    ULONG references;
    transport *provider;
    IMAPISupport *support;
    LPVOID address_types;
    LPVOID options;
    LPVOID send_buffer;
} session;

static mlt_ref session_ref(session *self) { return mlt_session(self, self->provider); }

static LPVOID allocate(session *self, ULONG size, const char *purpose)
{
    LPVOID block = NULL;
    SCODE sc = MAPIAllocateBuffer(size, &block);
    if (purpose != NULL) {
        logged(MLT_ALLOC_ADDRESS_TYPES(&trace, session_ref(self), block, sc), "MAPIAllocateBuffer");
    } else {
        logged(MLT_ALLOC(&trace, session_ref(self), block, sc), "MAPIAllocateBuffer");
    }
    if (sc != S_OK) {
        fprintf(stderr, "provider: out of memory\n");
        exit(3);
    }
    return block;
}

static void free_block(session *self, LPVOID *block)
{
    ULONG result = MAPIFreeBuffer(*block);
    logged(MLT_FREE(&trace, session_ref(self), *block, result), "MAPIFreeBuffer");
    *block = NULL;
}

static void release_support(session *self)
{
    ULONG left = self->support->lpVtbl->Release(self->support);
    logged(MLT_RELEASE(&trace, session_ref(self), mlt_session_support(self), "IMAPISupport::Release", left),
           "the support object's Release");
    self->support = NULL;
}

/* What TransportLogon leaves: the AddressTypes array, options with a
   MAPIAllocateMore child, a send buffer. */
static session *logon(transport *provider)
{
    LPVOID child = NULL;
    SCODE sc;
    session *s = (session *)calloc(1, sizeof *s);
    if (s == NULL) {
        fprintf(stderr, "provider: out of memory\n");
        exit(3);
    }
    s->references = 1;
    s->provider = provider;
    s->support = new_support(0);
    s->address_types = allocate(s, 64, "addressTypes");
    s->options = allocate(s, 128, NULL);
    sc = MAPIAllocateMore(32, s->options, &child);
    logged(MLT_ALLOC_MORE(&trace, session_ref(s), child, s->options, sc), "MAPIAllocateMore");
    s->send_buffer = allocate(s, 4096, NULL);
    return s;
}

static HRESULT session_TransportNotify(session *self, ULONG *lpulFlags)
{
    logged(MLT_CALL_FLAGS(&trace, mlt_spooler(), session_ref(self), "IXPLogon::TransportNotify", *lpulFlags, S_OK),
           "TransportNotify");
    return S_OK;
}

/* IXPLogon::TransportLogoff: MakeInvalid first, then the memory, the
   support object last (T5, T6). */
static HRESULT session_TransportLogoff(session *self, ULONG ulFlags)
{
    HRESULT hr;
    unsigned long call = begun(MLT_CALL_BEGIN_FLAGS(&trace, mlt_spooler(), session_ref(self),
                                                    "IXPLogon::TransportLogoff", ulFlags),
                               "TransportLogoff");
    hr = self->support->lpVtbl->MakeInvalid(self->support, 0, self, 1, 12);
    logged(MLT_CALL_FLAGS(&trace, session_ref(self), mlt_session_support(self), "IMAPISupport::MakeInvalid", 0, hr),
           "MakeInvalid");
    if (mistake == M6) {
        release_support(self);
    }
    if (self->address_types != NULL) {
        free_block(self, &self->address_types);
    }
    free_block(self, &self->options);
    if (mistake != M7) {
        free_block(self, &self->send_buffer);
    }
    if (mistake != M6) {
        release_support(self);
    }
    logged(MLT_CALL_END(&trace, call, S_OK), "the return of TransportLogoff");
    return S_OK;
}

static ULONG session_Release(session *self)
{
    unsigned long call = begun(MLT_CALL_BEGIN(&trace, mlt_spooler(), session_ref(self), "IXPLogon::Release"),
                               "IXPLogon::Release");
    ULONG count = --self->references;
    logged(MLT_RELEASE_END(&trace, call, count), "the return of IXPLogon::Release");
    if (count == 0) {
        if (self->send_buffer != NULL) {
            /* m7's leaked buffer: freed by nobody the log can see. */
            (void)MAPIFreeBuffer(self->send_buffer);
        }
        free(self);
    }
    return count;
}

static HRESULT transport_Shutdown(transport *self, ULONG *lpulFlags)
{
    logged(MLT_CALL_FLAGS(&trace, mlt_mapi(), mlt_transport(self), "IXPProvider::Shutdown", *lpulFlags, S_OK),
           "IXPProvider::Shutdown");
    return S_OK;
}

static ULONG transport_Release(transport *self)
{
    ULONG count = --self->references;
    logged(MLT_RELEASE(&trace, mlt_mapi(), mlt_transport(self), "IXPProvider::Release", count),
           "IXPProvider::Release");
    if (count == 0) {
        free(self);
    }
    return count;
}

/* The spooler's side: end the traffic, log the session off, release it,
   then MAPI shuts the provider down. */
static void spooler_logs_off_session(transport *provider, session *s)
{
    ULONG notify = NOTIFY_END_INBOUND | NOTIFY_END_OUTBOUND;
    ULONG deinit = DEINIT_NORMAL;
    if (mistake == M8) {
        free_block(s, &s->address_types);
    }
    (void)session_TransportNotify(s, &notify);
    (void)session_TransportLogoff(s, 0);
    (void)session_Release(s);
    (void)transport_Shutdown(provider, &deinit);
    (void)transport_Release(provider);
}

static int logoff(FILE *out)
{
    store *st = (store *)calloc(1, sizeof *st);
    transport *provider = (transport *)calloc(1, sizeof *provider);
    session *s;
    if (st == NULL || provider == NULL) {
        fprintf(stderr, "provider: out of memory\n");
        return 3;
    }
    st->references = 1;
    st->support = new_support(1);
    provider->references = 1;
    logged(MLT_INIT_FILE(&trace, out), "the header");
    s = logon(provider);
#ifdef PROVIDER_THREADS
    {
        pthread_t client;
        if (pthread_create(&client, NULL, client_logs_off_store, st) != 0) {
            fprintf(stderr, "provider: pthread_create failed\n");
            return 3;
        }
        spooler_logs_off_session(provider, s);
        if (pthread_join(client, NULL) != 0) {
            fprintf(stderr, "provider: pthread_join failed\n");
            return 3;
        }
    }
#else
    (void)client_logs_off_store(st);
    spooler_logs_off_session(provider, s);
#endif
    return 0;
}

/* ---- names that need escaping, and the kit's refusals ------------------- */

static int write_to_file(void *context, const char *line, size_t length)
{
    return fwrite(line, 1, length, (FILE *)context) == length ? 0 : -1;
}

static int refuse_everything(void *context, const char *line, size_t length)
{
    (void)context;
    (void)line;
    (void)length;
    return -1;
}

static int expect(int got, int want, const char *what)
{
    if (got != want) {
        fprintf(stderr, "provider: %s returned %d (%s), expected %d\n", what, got, mlt_error_text(got), want);
        return 0;
    }
    return 1;
}

static int names(FILE *out)
{
    mlt_log log;
    mlt_log broken;
    char longest[MLT_NAME_MAX + 2];
    char controls[MLT_NAME_MAX + 1];
    int ok = 1;
    /* A quote, a backslash, control characters, UTF-8 of 2, 3 and 4 bytes,
       and a byte that is not UTF-8. */
    const char *awkward = "q\"b\\s\nt\tc\x01 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xff!";
    ok &= expect(mlt_init_callback(&log, write_to_file, out), MLT_OK, "mlt_init_callback");
    ok &= expect(mlt_declare_wraps(&log, mlt_named("store", awkward), mlt_named("store", "inner")), MLT_OK,
                 "a declaration with an awkward name");
    memset(longest, 'n', sizeof longest);
    longest[MLT_NAME_MAX] = '\0';
    ok &= expect(mlt_call(&log, mlt_client(), mlt_named("store", longest), "IMsgStore::AddRef", S_OK), MLT_OK,
                 "a name of 256 characters");
    longest[MLT_NAME_MAX] = 'n';
    longest[MLT_NAME_MAX + 1] = '\0';
    ok &= expect(mlt_call(&log, mlt_client(), mlt_named("store", longest), "IMsgStore::AddRef", S_OK), MLT_E_TOO_LONG,
                 "a name of 257 characters");
    ok &= expect(mlt_call(&log, mlt_client(), mlt_named("stor", "typo"), "IMsgStore::AddRef", S_OK), MLT_E_ARGUMENT,
                 "an unknown kind");
    ok &= expect(mlt_call(&log, mlt_nobody(), mlt_nobody(), "IMsgStore::AddRef", S_OK), MLT_E_ARGUMENT,
                 "a call without an object");
    ok &= expect(mlt_call(&log, mlt_client(), mlt_named("store", "A"), NULL, S_OK), MLT_E_ARGUMENT, "a NULL method");
    ok &= expect(mlt_call_end(&log, 0, S_OK), MLT_E_NO_CALL, "a return for call 0");
    /* Four names of 256 control characters, 6 bytes each escaped: over 4096. */
    memset(controls, '\x01', MLT_NAME_MAX);
    controls[MLT_NAME_MAX] = '\0';
    ok &= expect(mlt_call(&log, mlt_named_session(controls, controls), mlt_named_session(controls, controls),
                          "IXPLogon::Poll", S_OK),
                 MLT_E_LINE_FULL, "a line over MLT_LINE_MAX");
    ok &= expect(mlt_call(NULL, mlt_client(), mlt_named("store", "A"), "IMsgStore::AddRef", S_OK), MLT_E_ARGUMENT,
                 "a NULL log");
    /* The widest pointer, a negative HRESULT, flags with the top bit. */
    ok &= expect(mlt_call_flags_out(&log, mlt_named("store", "A"), mlt_store_support((const void *)(uintptr_t)UINTPTR_MAX),
                                    "IMAPISupport::StoreLogoffTransports", LOGOFF_QUIET, MAPI_E_NO_SUPPORT,
                                    (ULONG)0x80000000u),
                 MLT_OK, "a call with the widest pointer");
    ok &= expect(mlt_free(&log, mlt_named_session("s\"1", "Internet"), NULL, 0), MLT_OK, "MAPIFreeBuffer(NULL)");
    if (log.lines_dropped != 6) {
        fprintf(stderr, "provider: %lu lines dropped, expected 6\n", log.lines_dropped);
        ok = 0;
    }
    ok &= expect(mlt_init_callback(&broken, refuse_everything, NULL), MLT_E_WRITE, "a callback that fails");
    if (broken.lines_dropped != 1) {
        fprintf(stderr, "provider: the failing callback dropped %lu lines, expected 1\n", broken.lines_dropped);
        ok = 0;
    }
    return ok ? 0 : 3;
}

int main(int argc, char **argv)
{
    FILE *out;
    int status;
    if (argc != 3) {
        fprintf(stderr, "usage: provider conforming|m1|m2|m6|m7|m8|names OUT.jsonl\n");
        return 2;
    }
    if (strcmp(argv[1], "m1") == 0) {
        mistake = M1;
    } else if (strcmp(argv[1], "m2") == 0) {
        mistake = M2;
    } else if (strcmp(argv[1], "m6") == 0) {
        mistake = M6;
    } else if (strcmp(argv[1], "m7") == 0) {
        mistake = M7;
    } else if (strcmp(argv[1], "m8") == 0) {
        mistake = M8;
    } else if (strcmp(argv[1], "conforming") != 0 && strcmp(argv[1], "names") != 0) {
        fprintf(stderr, "provider: unknown mode %s\n", argv[1]);
        return 2;
    }
    out = fopen(argv[2], "wb");
    if (out == NULL) {
        fprintf(stderr, "provider: cannot open %s\n", argv[2]);
        return 2;
    }
    status = strcmp(argv[1], "names") == 0 ? names(out) : logoff(out);
    if (fclose(out) != 0 && status == 0) {
        status = 3;
    }
    return status;
}
