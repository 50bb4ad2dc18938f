/*
 * Stand-ins for the few MAPI declarations tests/kit/provider.c uses, so
 * that the logging kit compiles and runs on a machine without the Windows
 * SDK. Widths follow Windows (ULONG and HRESULT are 32 bits there), names
 * and values follow MAPIDEFS.H, MAPICODE.H and MAPISPI.H. The interfaces
 * are C-style COM: a pointer to a table of methods.
 */
#ifndef MAPI_STAND_IN_H
#define MAPI_STAND_IN_H

#include <stdint.h>

typedef uint32_t ULONG;
typedef int32_t HRESULT;
typedef HRESULT SCODE;
typedef void *LPVOID;

#define S_OK ((HRESULT)0)
#define SUCCEEDED(hr) ((HRESULT)(hr) >= 0)
#define MAPI_E_CALL_FAILED ((HRESULT)INT32_C(-2147467259)) /* 0x80004005 */
#define MAPI_E_NOT_ENOUGH_MEMORY ((HRESULT)INT32_C(-2147024882)) /* 0x8007000E */
#define MAPI_E_INVALID_PARAMETER ((HRESULT)INT32_C(-2147024809)) /* 0x80070057 */
#define MAPI_E_NO_SUPPORT ((HRESULT)INT32_C(-2147221246)) /* 0x80040102 */
#define MAPI_E_INVALID_OBJECT ((HRESULT)INT32_C(-2147221240)) /* 0x80040108 */

/* IMsgStore::StoreLogoff and IMAPISupport::StoreLogoffTransports. */
#define LOGOFF_NO_WAIT ((ULONG)0x00000001)
#define LOGOFF_ORDERLY ((ULONG)0x00000002)
#define LOGOFF_PURGE ((ULONG)0x00000004)
#define LOGOFF_ABORT ((ULONG)0x00000008)
#define LOGOFF_QUIET ((ULONG)0x00000010)
#define LOGOFF_COMPLETE ((ULONG)0x00010000)
#define LOGOFF_INBOUND ((ULONG)0x00020000)
#define LOGOFF_OUTBOUND ((ULONG)0x00040000)
#define LOGOFF_OUTBOUND_QUEUE ((ULONG)0x00080000)

/* IXPLogon::TransportNotify. */
#define NOTIFY_END_INBOUND ((ULONG)0x00010000)
#define NOTIFY_END_OUTBOUND ((ULONG)0x00020000)

/* IXPProvider::Shutdown. */
#define DEINIT_NORMAL ((ULONG)0x00000001)

typedef struct IMAPISupport IMAPISupport;
typedef struct IMAPISupportVtbl {
    ULONG (*Release)(IMAPISupport *self);
    HRESULT (*StoreLogoffTransports)(IMAPISupport *self, ULONG *lpulFlags);
    HRESULT (*MakeInvalid)(IMAPISupport *self, ULONG ulFlags, LPVOID lpObject, ULONG ulRefCount, ULONG cMethods);
} IMAPISupportVtbl;
struct IMAPISupport {
    const IMAPISupportVtbl *lpVtbl;
};

SCODE MAPIAllocateBuffer(ULONG cbSize, LPVOID *lppBuffer);
SCODE MAPIAllocateMore(ULONG cbSize, LPVOID lpObject, LPVOID *lppBuffer);
ULONG MAPIFreeBuffer(LPVOID lpBuffer);

#endif
