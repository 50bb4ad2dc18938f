// The boundary guard of the package: appended by scripts/build-wasm.sh to
// the wasm-bindgen glue of each module (web and Node builds), followed by the
// calls that install it on the module's classes and functions.
//
// Nothing the caller's code does may throw while wasm is running: an
// exception unwinding through a wasm call leaves its Rust object borrowed,
// never pops its stack and never releases its externref slots, and enough of
// them break the module (wasm-bindgen 0.2.130 also leaks one table slot for
// every exception a `catch` import returns). So, before wasm is entered:
//  - every document argument (scenario, action, list of actions, settings,
//    explore options, lines) is read exactly once, here, into a plain copy:
//    each getter, Proxy trap and `toJSON` runs once, inside a try, and what
//    it throws becomes a MapiLogoffError with code "inputThrew", the path of
//    the field being read, and the original as `cause`. The copy (null-
//    prototype objects, arrays, the original primitives) is what wasm reads
//    and validates, so a value cannot pass validation and be used as another;
//  - callbacks and abort signals are wrapped so that they never throw into
//    wasm: a callback's exception stops the call and is rethrown unchanged
//    once wasm has returned;
//  - a method called on a freed object, twice-freed, or on something that is
//    not an instance is refused (codes "freed", "invalidArgument" with path
//    "this"); free() from inside one of the object's own calls is refused
//    ("busy"). Instances are recognised by identity (the glue registers each
//    one it creates with its FinalizationRegistry), so a Proxy or a look-alike
//    object never reaches wasm;
//  - isMapiLogoffError is answered here, and never throws.
const __mapiLogoffApply = Reflect.apply;

function __mapiLogoffError(code, path, message) {
  const error = new Error(path ? `${path}: ${message}` : message);
  Object.defineProperty(error, "name", { value: "MapiLogoffError", writable: true, configurable: true });
  error.code = code;
  error.path = path;
  return error;
}

/** What each argument of a guarded call is: how it is prepared. */
const __mapiLogoffInputs = {
  Simulation: ["a scenario"],
  "Simulation.apply": ["an action"],
  "Simulation.run": ["a list of actions"],
  runScenario: ["a scenario"],
  outcomeMatrix: ["settings"],
  Explorer: ["a scenario", "explore options"],
  explore: ["a scenario", "explore options", "callback", "signal"],
  checkTrace: ["lines"],
  "TraceChecker.pushChunk": ["bytes"],
};

/** The JSON size limit of the core (scenario::limits::JSON_BYTES). */
const __mapiLogoffJsonBytes = 16 * 1024 * 1024;
/** Deeper documents are refused by the reader (serde_json's limit). */
const __mapiLogoffMaxDepth = 128;

class __MapiLogoffTooLarge {}

function __mapiLogoffPath(keys) {
  let path = "";
  for (const key of keys) {
    if (typeof key === "number") path += `[${key}]`;
    else path += path === "" ? key : `.${key}`;
  }
  return path;
}

function __mapiLogoffInputThrew(path, what, cause) {
  let reason = "";
  try {
    const message = cause !== null && typeof cause === "object" ? cause.message : cause;
    if (typeof message === "string") reason = message.length > 200 ? `${message.slice(0, 200)}...` : message;
  } catch {
    // A message that cannot be read is left out: `cause` holds the original.
  }
  const error = __mapiLogoffError("inputThrew", path, `reading ${what} threw an exception${reason ? `: ${reason}` : ""} (see \`cause\`)`);
  error.cause = cause;
  return error;
}

/**
 * One read of a document: a plain copy in which every getter, Proxy trap and
 * toJSON has run once. Primitives are kept as they are (NaN, functions,
 * symbols, BigInts and lone surrogates included), so that the reader in wasm
 * reports them with their path; so are cycles (as cycles). Nesting is copied
 * one level past what the reader accepts, which is enough for it to refuse.
 */
function __mapiLogoffCopy(value, what) {
  let budget = __mapiLogoffJsonBytes / 2;
  const keys = [];
  const ancestors = [];
  const copies = [];
  const resolve = (item, key) => {
    // As JSON.stringify: an object's toJSON(key) stands for it.
    if (item === null || typeof item !== "object") return item;
    const toJSON = item.toJSON;
    return typeof toJSON === "function" ? __mapiLogoffApply(toJSON, item, [key]) : item;
  };
  const copy = (item) => {
    budget -= 1;
    if (budget < 0) throw new __MapiLogoffTooLarge();
    if (item === null || typeof item !== "object") return item;
    const at = ancestors.indexOf(item);
    if (at >= 0) return copies[at];
    if (ancestors.length >= __mapiLogoffMaxDepth) return Object.create(null);
    const array = Array.isArray(item);
    const out = array ? [] : Object.create(null);
    ancestors.push(item);
    copies.push(out);
    if (array) {
      const length = item.length;
      const n = typeof length === "number" ? length : 0;
      if (!(n >= 0 && n <= budget)) throw new __MapiLogoffTooLarge();
      for (let i = 0; i < n; i++) {
        keys.push(i);
        out.push(copy(resolve(item[i], String(i))));
        keys.pop();
      }
    } else {
      const names = Object.keys(item);
      if (names.length > budget) throw new __MapiLogoffTooLarge();
      for (const name of names) {
        keys.push(name);
        out[name] = copy(resolve(item[name], name));
        keys.pop();
      }
    }
    ancestors.pop();
    copies.pop();
    return out;
  };
  try {
    return copy(resolve(value, ""));
  } catch (e) {
    if (e instanceof __MapiLogoffTooLarge) {
      throw __mapiLogoffError("tooLarge", "", `larger than the ${__mapiLogoffJsonBytes}-byte JSON limit once written as JSON`);
    }
    throw __mapiLogoffInputThrew(__mapiLogoffPath(keys), what, e);
  }
}

/** Most lines in one array: more should be fed to a TraceChecker. */
const __mapiLogoffMaxLines = 2 ** 22;

/** An array of lines: its items read once (each checked by the reader). */
function __mapiLogoffLines(value) {
  let index = -1;
  try {
    if (!Array.isArray(value)) return value;
    const length = value.length;
    const n = typeof length === "number" && length >= 0 ? length : 0;
    if (n > __mapiLogoffMaxLines) {
      return __mapiLogoffTooManyLines;
    }
    const out = [];
    for (index = 0; index < n; index++) out.push(value[index]);
    return out;
  } catch (e) {
    throw __mapiLogoffInputThrew(index >= 0 ? `[${index}]` : "", "the trace", e);
  }
}
const __mapiLogoffTooManyLines = {};

/**
 * Prepares the arguments of one call; `after` collects what must happen once
 * wasm has returned (rethrowing a callback's exception, reporting a signal
 * that threw).
 */
function __mapiLogoffPrepare(kinds, args, after) {
  return args.map((arg, i) => {
    const kind = kinds[i];
    if (kind === undefined || arg === undefined || arg === null) return arg;
    if (kind === "lines") {
      const lines = __mapiLogoffLines(arg);
      if (lines === __mapiLogoffTooManyLines) {
        throw __mapiLogoffError("tooLarge", "", `more than ${__mapiLogoffMaxLines} lines in one array; feed them to a TraceChecker`);
      }
      return lines;
    }
    if (kind === "callback") {
      if (typeof arg !== "function") return arg;
      const state = { threw: false, error: undefined };
      after.push(() => {
        if (state.threw) throw state.error;
      });
      return (progress) => {
        if (state.threw) return false;
        try {
          return arg(progress);
        } catch (e) {
          state.threw = true;
          state.error = e;
          return false;
        }
      };
    }
    if (kind === "signal") {
      if (typeof arg !== "object") return arg;
      const state = { threw: false, error: undefined };
      after.push(() => {
        if (state.threw) throw __mapiLogoffInputThrew("signal.aborted", "the abort signal", state.error);
      });
      return {
        get aborted() {
          if (state.threw) return true;
          try {
            return Boolean(arg.aborted);
          } catch (e) {
            state.threw = true;
            state.error = e;
            return true;
          }
        },
      };
    }
    const copy = kind === "a scenario" && typeof arg === "string" ? arg : __mapiLogoffCopy(arg, kind);
    if (kind === "a scenario" && typeof copy === "string") {
      // Scenario text (given, or what a toJSON returned): over the limit,
      // wasm refuses it unread (tooLarge); otherwise it is parsed here,
      // where a SyntaxError costs nothing: thrown by a `catch` import inside
      // wasm it would leak a table slot (see above).
      if (copy.length > __mapiLogoffJsonBytes) return copy;
      try {
        return JSON.parse(copy);
      } catch (e) {
        throw __mapiLogoffError("invalidJson", "", `not valid JSON: ${e instanceof Error ? e.message : "a syntax error"}`);
      }
    }
    return copy;
  });
}

// The intrinsic getters of typed arrays: they read internal slots, so no
// getter, Proxy or prototype a caller sets up runs (or lies) through them.
const __mapiLogoffTypedArray = Object.getPrototypeOf(Uint8Array.prototype);
const __mapiLogoffGetter = (name) => Object.getOwnPropertyDescriptor(__mapiLogoffTypedArray, name).get;
const __mapiLogoffTag = __mapiLogoffGetter(Symbol.toStringTag);
const __mapiLogoffBuffer = __mapiLogoffGetter("buffer");
const __mapiLogoffByteOffset = __mapiLogoffGetter("byteOffset");
const __mapiLogoffByteLength = __mapiLogoffGetter("byteLength");
/** Bytes handed to wasm in one call: a large chunk does not grow wasm memory by its size. */
const __mapiLogoffByteSlice = 1 << 20;

/** What a value is, for "expected ..., got ..." (never throws: a revoked Proxy is "an object"). */
function __mapiLogoffKindOf(value) {
  const type = typeof value;
  if (value === null) return "null";
  if (type !== "object") return type === "undefined" ? "undefined" : type === "bigint" ? "a BigInt" : `a ${type}`;
  const tag = __mapiLogoffApply(__mapiLogoffTag, value, []);
  if (tag !== undefined) return `a ${tag}`;
  try {
    return Array.isArray(value) ? "an array" : "an object";
  } catch {
    return "an object";
  }
}

/**
 * A chunk of bytes (TraceChecker.pushChunk): a genuine Uint8Array (a Node
 * Buffer is one), passed to wasm as fresh views of its bytes, at most
 * __mapiLogoffByteSlice at a time. Anything else is refused here: the glue
 * would read a look-alike's `length` and copy whatever it claims.
 */
function __mapiLogoffBytes(fn, self, chunk) {
  if (__mapiLogoffApply(__mapiLogoffTag, chunk, []) !== "Uint8Array") {
    throw __mapiLogoffError("invalidArgument", "chunk", `expected a Uint8Array, got ${__mapiLogoffKindOf(chunk)}`);
  }
  const length = __mapiLogoffApply(__mapiLogoffByteLength, chunk, []);
  if (length === 0) return __mapiLogoffApply(fn, self, [new Uint8Array(0)]);
  const buffer = __mapiLogoffApply(__mapiLogoffBuffer, chunk, []);
  const offset = __mapiLogoffApply(__mapiLogoffByteOffset, chunk, []);
  let result;
  for (let at = 0; at < length; at += __mapiLogoffByteSlice) {
    const view = new Uint8Array(buffer, offset + at, Math.min(__mapiLogoffByteSlice, length - at));
    result = __mapiLogoffApply(fn, self, [view]);
  }
  return result;
}

function __mapiLogoffCall(name, fn, self, args) {
  const kinds = __mapiLogoffInputs[name];
  if (kinds === undefined) return __mapiLogoffApply(fn, self, args);
  if (kinds[0] === "bytes") return __mapiLogoffBytes(fn, self, args[0]);
  const after = [];
  const result = __mapiLogoffApply(fn, self, __mapiLogoffPrepare(kinds, args, after));
  for (const check of after) check();
  return result;
}

/** A module function behind the guard. */
function __mapiLogoffFunction(name, fn) {
  if (name === "isMapiLogoffError") {
    return function isMapiLogoffError(value) {
      try {
        return value instanceof Error && value.name === "MapiLogoffError" && typeof value.code === "string";
      } catch {
        return false;
      }
    };
  }
  const guarded = {
    [name](...args) {
      return __mapiLogoffCall(name, fn, this, args);
    },
  }[name];
  return guarded;
}

/** A class behind the guard: its constructor's arguments prepared. */
function __mapiLogoffConstructor(name, cls) {
  return {
    [name]: class extends cls {
      constructor(...args) {
        super(...__mapiLogoffPrepare(__mapiLogoffInputs[name] ?? [], args, []));
      }
    },
  }[name];
}

/** The methods of a class behind the guard. */
function __mapiLogoffGuard(name, cls, registry) {
  const genuine = new WeakSet();
  const busy = new WeakMap();
  const register = registry.register;
  registry.register = function (target, held, token) {
    genuine.add(target);
    return __mapiLogoffApply(register, this, [target, held, token]);
  };
  const notInstance = (member) =>
    __mapiLogoffError("invalidArgument", "this", `${name}.${member} was called on a value that is not a ${name}`);
  const enter = (self, member) => {
    if (!genuine.has(self)) throw notInstance(member);
    if (self.__wbg_ptr === 0) {
      throw __mapiLogoffError("freed", "", `${name}.${member}: this ${name} was freed (free() was called on it); create a new one`);
    }
    busy.set(self, (busy.get(self) ?? 0) + 1);
  };
  const leave = (self) => {
    const calls = busy.get(self) - 1;
    if (calls > 0) busy.set(self, calls);
    else busy.delete(self);
  };
  const proto = cls.prototype;
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === "constructor" || key === "free" || key.startsWith("__")) continue;
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    for (const part of ["value", "get", "set"]) {
      const original = descriptor[part];
      if (typeof original !== "function") continue;
      const inputs = `${name}.${key}`;
      descriptor[part] = {
        [key](...args) {
          enter(this, key);
          try {
            return __mapiLogoffCall(inputs, original, this, args);
          } finally {
            leave(this);
          }
        },
      }[key];
    }
    Object.defineProperty(proto, key, descriptor);
  }
  const free = proto.free;
  proto.free = {
    free() {
      if (!genuine.has(this)) throw notInstance("free");
      // Freeing twice is harmless, as closing a file twice is.
      if (this.__wbg_ptr === 0) return;
      if (busy.has(this)) {
        throw __mapiLogoffError("busy", "", `${name}.free: this ${name} cannot be freed from inside one of its own calls`);
      }
      __mapiLogoffApply(free, this, []);
    },
  }.free;
  if (typeof Symbol.dispose === "symbol") proto[Symbol.dispose] = proto.free;
}

// The module's wasm memory and externref table sizes, for the package's
// own leak tests (tests/js): a leak shows as growth after repeated calls.
function __mapiLogoffStats() {
  if (typeof wasm === "undefined" || !wasm) return undefined;
  return { memoryBytes: wasm.memory.buffer.byteLength, tableSize: wasm.__wbindgen_externrefs.length };
}
