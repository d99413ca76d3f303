#!/usr/bin/python3
"""powerlossfs: a FUSE file system that forgets everything that was not fsynced when its power is cut.

Usage: powerlossfs.py [--size BYTES] [--debug] BACKING MOUNTPOINT   (runs in the foreground; see ./mount)

Programs see the *volatile* view, served from memory: every write, create, rename, unlink, truncate, mkdir,
chmod, chown, utimens and symlink takes effect at once, as on any file system. Beside it the file system
keeps the *durable* view, what a disk would still hold after a power loss, with worst-case POSIX semantics (the
model of LazyFS, the FUSE file system Jepsen uses):

- a file's content and attributes (size, mode, times) become durable only at fsync/fdatasync of that file, and
  then as they are at that moment;
- a directory's entries (names to inodes: creations, renames in and out, unlinks) become durable only at fsync of
  that directory (FSYNCDIR), and then all of them as they are at that moment. An entry names its inode's kind and
  mode, as a journaling file system writes the new inode with the entry.

The durable view lives in BACKING (state.json plus one data file per fsynced file), written before fsync returns,
atomically (temp file and rename on the backing disk), so SIGKILL of this process is the power cut: what an fsync
had acknowledged is kept, nothing else. Started again on the same BACKING, the file system serves the durable view
walked from the root: an entry whose inode was never fsynced is an empty file (or an empty directory); a rename
whose directories were not fsynced did not happen (or, if only the target directory was, both names exist);
inodes no durable entry reaches are gone.

I/O errors: while the file BACKING/fail-io exists, every operation that would change the file system (write,
truncate, create, mkdir, rename, unlink, rmdir, fsync, fsyncdir, ...) fails with EIO and changes nothing, as a
failing disk does; reads still work. Remove the file and the disk works again.

Not modelled: torn or reordered writes within one file's unsynced data (all of it is simply dropped), partial
fsyncs, a full disk; sync(2)/syncfs make nothing durable (libfuse 2 has no SYNCFS). Not served: hard
links (EPERM), extended attributes, fallocate. POSIX locks (fcntl, flock) are left to the kernel, which keeps them
for this mount. Shared memory maps work (no direct_io; SQLite's WAL index): the kernel writes their dirty pages to
us before an fsync.

Python on fusepy (libfuse 2, high-level API) because the whole model is a few hundred lines that read like the
semantics above; with big_writes and 128 KiB requests it moves 100+ MB/s here, as fast as the daemon uploads.
"""
import argparse
import errno
import json
import logging
import os
import stat
import sys
import threading
import time

try:
    import fusepy as fuse  # Debian's python3-fusepy
except ImportError:  # pragma: no cover - fusepy installed from PyPI
    import fuse

log = logging.getLogger('powerlossfs')

ROOT = 1
FILE, DIR, LINK = 'f', 'd', 'l'
KIND_BITS = {FILE: stat.S_IFREG, DIR: stat.S_IFDIR, LINK: stat.S_IFLNK}
# utimensat's special values as fusepy passes them (nanoseconds: tv_sec 0, tv_nsec UTIME_NOW or UTIME_OMIT)
UTIME_NOW, UTIME_OMIT = (1 << 30) - 1, (1 << 30) - 2
# libfuse renames a file that is unlinked (or replaced by a rename) while open to .fuse_hiddenNNN and unlinks that
# name at the last close, so the open file keeps a path (fstat works). Such a name is not there for programs:
# listings skip it, an fsync of the directory does not make it durable, rmdir ignores it.
HIDDEN = '.fuse_hidden'


class Inode:
    """One inode of the volatile view."""
    __slots__ = ('ino', 'kind', 'mode', 'uid', 'gid', 'atime', 'mtime', 'ctime', 'data', 'entries', 'target',
                 'nlink', 'opens', 'gen', 'synced_gen')

    def __init__(self, ino, kind, mode, uid=0, gid=0, now=None):
        now = time.time_ns() if now is None else now
        self.ino = ino
        self.kind = kind
        self.mode = stat.S_IMODE(mode) | KIND_BITS[kind]
        self.uid, self.gid = uid, gid
        self.atime = self.mtime = self.ctime = now
        self.data = bytearray() if kind == FILE else None
        self.entries = {} if kind == DIR else None
        self.target = None
        self.nlink = 0
        self.opens = 0
        self.gen = 0          # bumped by every change of a file's content
        self.synced_gen = -1  # the gen whose content the durable view holds

    def touch(self, now=None):
        self.mtime = self.ctime = time.time_ns() if now is None else now
        self.gen += 1


# The operations that change the file system: they fail with EIO while BACKING/fail-io exists.
MUTATING = frozenset(('fsyncdir', 'mkdir', 'rmdir', 'create', 'write', 'truncate', 'fsync', 'unlink', 'rename',
                      'symlink', 'chmod', 'chown', 'utimens'))


def serialized(method):
    """Every operation runs under one lock: the state is small and Python holds the GIL anyway."""
    failable = method.__name__ in MUTATING

    def wrapper(self, *args):
        with self.mutex:
            if failable and os.path.exists(self.fail_io_flag):
                raise fuse.FuseOSError(errno.EIO)
            return method(self, *args)
    wrapper.__name__ = method.__name__
    return wrapper


class PowerLossFs(fuse.Operations):
    use_ns = True
    flag_utime_omit_ok = 1  # else libfuse drops a utimensat that sets only one of the two times
    # ENOSYS for these tells the kernel to stop asking (and to keep POSIX and flock locks itself).
    access = None
    getxattr = setxattr = listxattr = removexattr = None
    lock = None
    bmap = None
    ioctl = None
    mknod = None

    def __init__(self, backing, size):
        self.mutex = threading.RLock()  # not "lock": fusepy would take it for the lock operation
        self.backing = backing
        self.datadir = os.path.join(backing, 'data')
        self.fail_io_flag = os.path.join(backing, 'fail-io')
        self.size = size
        self.inodes = {}
        self.handles = {}
        self.next_fh = 1
        self.next_ino = ROOT + 1
        self.durable = {}
        self.data_seq = 0
        os.makedirs(self.datadir, exist_ok=True)
        self._load()

    # ---------------------------------------------------------------- durable state on the backing disk

    def _state_path(self):
        return os.path.join(self.backing, 'state.json')

    def _persist(self):
        tmp = self._state_path() + '.tmp'
        with open(tmp, 'w') as f:
            json.dump({'next_ino': self.next_ino, 'data_seq': self.data_seq, 'inodes': self.durable}, f)
        os.replace(tmp, self._state_path())

    def _load(self):
        """Builds the volatile view from the durable one: what a restart after a power loss finds."""
        try:
            with open(self._state_path()) as f:
                state = json.load(f)
            self.durable = {int(k): v for k, v in state['inodes'].items()}
            self.next_ino = state['next_ino']
            self.data_seq = state['data_seq']
        except FileNotFoundError:
            now = time.time_ns()
            self.durable = {ROOT: {'kind': DIR, 'mode': 0o755, 'uid': 0, 'gid': 0, 'atime': now, 'mtime': now,
                                   'ctime': now, 'entries': {}}}
        reached = set()
        self._build(ROOT, DIR, 0o755, None, reached)
        for ino in [i for i in self.durable if i not in reached]:
            self._drop_durable_data(self.durable.pop(ino))
        referenced = {r['data'] for r in self.durable.values() if r['kind'] == FILE}
        for name in os.listdir(self.datadir):
            if name not in referenced:
                os.unlink(os.path.join(self.datadir, name))
        self.next_ino = max([self.next_ino] + [i + 1 for i in self.inodes])
        self._persist()
        log.info('serving %d inode(s) from the durable view in %s', len(self.inodes), self.backing)

    def _build(self, ino, kind, mode, target, reached):
        existing = self.inodes.get(ino)
        if existing is not None:
            if existing.kind == DIR:
                return None  # a directory reached twice (a cycle or a stale name from an unsynced rename): keep one
            existing.nlink += 1
            return existing
        rec = self.durable.get(ino)
        if rec is not None and rec['kind'] != kind:
            rec = None
        node = Inode(ino, kind, rec['mode'] if rec else mode, rec['uid'] if rec else 0, rec['gid'] if rec else 0)
        node.nlink = 1
        self.inodes[ino] = node
        if rec is not None:
            reached.add(ino)
            node.atime, node.mtime, node.ctime = rec['atime'], rec['mtime'], rec['ctime']
        if kind == FILE and rec is not None:
            with open(os.path.join(self.datadir, rec['data']), 'rb') as f:
                node.data = bytearray(f.read())
            node.synced_gen = node.gen
        elif kind == LINK:
            node.target = rec['target'] if rec else target
        elif kind == DIR and rec is not None:
            for name, (cino, ckind, cmode, ctarget) in rec['entries'].items():
                child = self._build(cino, ckind, cmode, ctarget, reached)
                if child is not None:
                    node.entries[name] = cino
        return node

    def _drop_durable_data(self, rec):
        if rec.get('kind') == FILE:
            try:
                os.unlink(os.path.join(self.datadir, rec['data']))
            except FileNotFoundError:
                pass

    def _attrs_record(self, node):
        return {'kind': node.kind, 'mode': stat.S_IMODE(node.mode), 'uid': node.uid, 'gid': node.gid,
                'atime': node.atime, 'mtime': node.mtime, 'ctime': node.ctime}

    def _sync_file(self, node):
        rec = self._attrs_record(node)
        old = self.durable.get(node.ino)
        if node.kind == FILE:
            if old is not None and old.get('kind') == FILE and node.synced_gen == node.gen:
                rec['data'] = old['data']
            else:
                self.data_seq += 1
                name = '%d.%d' % (node.ino, self.data_seq)
                tmp = os.path.join(self.datadir, name + '.tmp')
                with open(tmp, 'wb') as f:
                    f.write(node.data)
                os.replace(tmp, os.path.join(self.datadir, name))
                rec['data'] = name
                node.synced_gen = node.gen
        elif node.kind == LINK:
            rec['target'] = node.target
        elif node.kind == DIR:
            rec['entries'] = old['entries'] if old is not None and old.get('kind') == DIR else {}
        self.durable[node.ino] = rec
        self._persist()
        if old is not None and old.get('kind') == FILE and old['data'] != rec.get('data'):
            self._drop_durable_data(old)

    def _sync_dir(self, node):
        entries = {}
        for name, cino in node.entries.items():
            child = self.inodes[cino]
            entries[name] = [cino, child.kind, stat.S_IMODE(child.mode), child.target]
        rec = self._attrs_record(node)
        rec['entries'] = {name: e for name, e in entries.items() if not name.startswith(HIDDEN)}
        old = self.durable.get(node.ino)
        self.durable[node.ino] = rec
        self._persist()
        if old is not None and old.get('kind') == FILE:
            self._drop_durable_data(old)

    # ---------------------------------------------------------------- the volatile tree

    def _resolve(self, path):
        node = self.inodes[ROOT]
        for part in path.split('/'):
            if not part:
                continue
            if node.kind != DIR:
                raise fuse.FuseOSError(errno.ENOTDIR)
            ino = node.entries.get(part)
            if ino is None:
                raise fuse.FuseOSError(errno.ENOENT)
            node = self.inodes[ino]
        return node

    def _parent(self, path):
        head, name = path.rstrip('/').rsplit('/', 1)
        parent = self._resolve(head or '/')
        if parent.kind != DIR:
            raise fuse.FuseOSError(errno.ENOTDIR)
        if len(name.encode()) > 255:
            raise fuse.FuseOSError(errno.ENAMETOOLONG)
        return parent, name

    def _node(self, path, fh=None):
        """The inode of an open handle (fh: fuse_file_info or int) or else of a path."""
        if fh:  # a NULL fuse_file_info pointer (fgetattr without a handle) is falsy too
            number = fh if isinstance(fh, int) else fh.fh
            node = self.handles.get(number)
            if node is not None:
                return node
        if path is None:
            raise fuse.FuseOSError(errno.EBADF)
        return self._resolve(path)

    def _new(self, kind, mode):
        uid, gid, _ = fuse.fuse_get_context()
        node = Inode(self.next_ino, kind, mode, uid, gid)
        self.next_ino += 1
        self.inodes[node.ino] = node
        return node

    def _link_into(self, parent, name, node):
        if name in parent.entries:
            raise fuse.FuseOSError(errno.EEXIST)
        parent.entries[name] = node.ino
        node.nlink += 1
        parent.touch()

    def _unlink_from(self, parent, name):
        node = self.inodes[parent.entries.pop(name)]
        node.nlink -= 1
        node.ctime = time.time_ns()
        parent.touch()
        self._forget_if_unused(node)

    def _forget_if_unused(self, node):
        if node.nlink <= 0 and node.opens <= 0 and node.ino != ROOT:
            self.inodes.pop(node.ino, None)

    def _open_handle(self, node, fi=None):
        fh = self.next_fh
        self.next_fh += 1
        self.handles[fh] = node
        node.opens += 1
        if fi is not None:
            fi.fh = fh
            fi.direct_io = 0
            fi.keep_cache = 0
        return fh

    def _close_handle(self, fh):
        node = self.handles.pop(fh if isinstance(fh, int) else fh.fh, None)
        if node is not None:
            node.opens -= 1
            self._forget_if_unused(node)

    # ---------------------------------------------------------------- FUSE operations

    @serialized
    def destroy(self, path):
        """A clean unmount (SIGTERM): like a disk's clean unmount, everything becomes durable."""
        for node in list(self.inodes.values()):
            if node.kind == DIR:
                self._sync_dir(node)
            else:
                self._sync_file(node)
        log.info('clean unmount: %d inode(s) made durable', len(self.inodes))

    @serialized
    def getattr(self, path, fh=None):
        node = self._node(path, fh)
        if node.kind == DIR:
            nlink = 2 + sum(1 for c in node.entries.values() if self.inodes[c].kind == DIR)
            size = 4096
        else:
            nlink = max(node.nlink, 0)
            size = len(node.data) if node.kind == FILE else len(node.target.encode())
        return {'st_mode': node.mode, 'st_ino': node.ino, 'st_nlink': nlink, 'st_uid': node.uid,
                'st_gid': node.gid, 'st_size': size, 'st_atime': node.atime, 'st_mtime': node.mtime,
                'st_ctime': node.ctime, 'st_blksize': 4096, 'st_blocks': (size + 511) // 512}

    @serialized
    def statfs(self, path):
        used = sum(len(n.data) for n in self.inodes.values() if n.kind == FILE)
        blocks = self.size // 4096
        free = max(0, blocks - (used + 4095) // 4096)
        return {'f_bsize': 4096, 'f_frsize': 4096, 'f_blocks': blocks, 'f_bfree': free, 'f_bavail': free,
                'f_files': 1 << 20, 'f_ffree': (1 << 20) - len(self.inodes), 'f_favail': (1 << 20) - len(self.inodes),
                'f_namemax': 255}

    @serialized
    def readdir(self, path, fh):
        node = self._node(path, fh)
        return ['.', '..'] + [name for name in node.entries if not name.startswith(HIDDEN)]

    @serialized
    def opendir(self, path):
        node = self._resolve(path)
        if node.kind != DIR:
            raise fuse.FuseOSError(errno.ENOTDIR)
        return self._open_handle(node)

    @serialized
    def releasedir(self, path, fh):
        self._close_handle(fh)

    @serialized
    def fsyncdir(self, path, datasync, fh):
        node = self._node(path, fh)
        log.debug('fsyncdir %s (inode %d, %d entries)', path, node.ino, len(node.entries))
        self._sync_dir(node)

    @serialized
    def mkdir(self, path, mode):
        parent, name = self._parent(path)
        if name in parent.entries:
            raise fuse.FuseOSError(errno.EEXIST)
        self._link_into(parent, name, self._new(DIR, mode))

    @serialized
    def rmdir(self, path):
        parent, name = self._parent(path)
        node = self._resolve(path)
        if node.kind != DIR:
            raise fuse.FuseOSError(errno.ENOTDIR)
        if any(not n.startswith(HIDDEN) for n in node.entries):
            raise fuse.FuseOSError(errno.ENOTEMPTY)
        for hidden in list(node.entries):
            self._unlink_from(node, hidden)
        self._unlink_from(parent, name)

    @serialized
    def create(self, path, mode, fi):
        parent, name = self._parent(path)
        ino = parent.entries.get(name)
        if ino is not None:
            node = self.inodes[ino]
            if fi.flags & os.O_EXCL:
                raise fuse.FuseOSError(errno.EEXIST)
        else:
            node = self._new(FILE, mode)
            self._link_into(parent, name, node)
        self._open_handle(node, fi)
        return 0

    @serialized
    def open(self, path, fi):
        node = self._resolve(path)
        if node.kind == DIR and (fi.flags & os.O_ACCMODE) != os.O_RDONLY:
            raise fuse.FuseOSError(errno.EISDIR)
        self._open_handle(node, fi)
        return 0

    @serialized
    def release(self, path, fh):
        self._close_handle(fh)

    def flush(self, path, fh):
        return 0

    @serialized
    def read(self, path, size, offset, fh):
        node = self._node(path, fh)
        node.atime = time.time_ns()
        return bytes(memoryview(node.data)[offset:offset + size])

    @serialized
    def write(self, path, data, offset, fh):
        node = self._node(path, fh)
        buf = node.data
        if offset > len(buf):
            buf.extend(bytes(offset - len(buf)))
        buf[offset:offset + len(data)] = data
        node.touch()
        return len(data)

    @serialized
    def truncate(self, path, length, fh=None):
        node = self._node(path, fh)
        if node.kind != FILE:
            raise fuse.FuseOSError(errno.EISDIR)
        buf = node.data
        if length < len(buf):
            del buf[length:]
        else:
            buf.extend(bytes(length - len(buf)))
        node.touch()

    @serialized
    def fsync(self, path, datasync, fh):
        node = self._node(path, fh)
        log.debug('fsync %s (inode %d, %s bytes)', path, node.ino, len(node.data) if node.data is not None else '-')
        self._sync_file(node)

    @serialized
    def unlink(self, path):
        parent, name = self._parent(path)
        node = self._resolve(path)
        if node.kind == DIR:
            raise fuse.FuseOSError(errno.EISDIR)
        self._unlink_from(parent, name)

    @serialized
    def rename(self, old, new):
        src_parent, src_name = self._parent(old)
        dst_parent, dst_name = self._parent(new)
        node = self._resolve(old)
        replaced_ino = dst_parent.entries.get(dst_name)
        if replaced_ino == node.ino:
            return
        if replaced_ino is not None:
            replaced = self.inodes[replaced_ino]
            if replaced.kind == DIR:
                if node.kind != DIR:
                    raise fuse.FuseOSError(errno.EISDIR)
                if any(not n.startswith(HIDDEN) for n in replaced.entries):
                    raise fuse.FuseOSError(errno.ENOTEMPTY)
            elif node.kind == DIR:
                raise fuse.FuseOSError(errno.ENOTDIR)
            self._unlink_from(dst_parent, dst_name)
        del src_parent.entries[src_name]
        dst_parent.entries[dst_name] = node.ino
        node.ctime = time.time_ns()
        src_parent.touch()
        dst_parent.touch()

    def link(self, target, source):
        # Hard links are not served: the high-level FUSE API caches each name as an inode of its own.
        raise fuse.FuseOSError(errno.EPERM)

    @serialized
    def symlink(self, target, source):
        parent, name = self._parent(target)
        node = self._new(LINK, 0o777)
        node.target = source
        self._link_into(parent, name, node)

    @serialized
    def readlink(self, path):
        node = self._resolve(path)
        if node.kind != LINK:
            raise fuse.FuseOSError(errno.EINVAL)
        return node.target

    @serialized
    def chmod(self, path, mode):
        node = self._resolve(path)
        node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(mode)
        node.ctime = time.time_ns()

    @serialized
    def chown(self, path, uid, gid):
        node = self._resolve(path)
        if uid != -1 and uid != 0xFFFFFFFF:
            node.uid = uid
        if gid != -1 and gid != 0xFFFFFFFF:
            node.gid = gid
        node.ctime = time.time_ns()

    @serialized
    def utimens(self, path, times=None):
        node = self._resolve(path)
        now = time.time_ns()
        atime, mtime = times if times else (UTIME_NOW, UTIME_NOW)
        node.atime = now if atime == UTIME_NOW else node.atime if atime == UTIME_OMIT else atime
        node.mtime = now if mtime == UTIME_NOW else node.mtime if mtime == UTIME_OMIT else mtime
        node.ctime = now


def main():
    parser = argparse.ArgumentParser(description='A FUSE file system that drops unsynced writes on a power cut.')
    parser.add_argument('backing', help='directory of the durable state (kept across restarts of this process)')
    parser.add_argument('mountpoint')
    parser.add_argument('--size', type=int, default=16 << 30, help='capacity statfs reports, bytes')
    parser.add_argument('--debug', action='store_true', help='log every fsync and fsyncdir')
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, stream=sys.stderr,
                        format='%(asctime)s powerlossfs[%(process)d] %(levelname)s %(message)s')
    for name in ('fuse', 'fusepy'):  # fusepy logs every errno (ENOENT of each lookup) with a traceback at DEBUG
        logging.getLogger(name).setLevel(logging.WARNING)
    backing = os.path.abspath(args.backing)
    os.makedirs(backing, exist_ok=True)
    with open(os.path.join(backing, 'powerlossfs.pid'), 'w') as f:
        f.write('%d\n' % os.getpid())
    fs = PowerLossFs(backing, args.size)
    fuse.FUSE(fs, os.path.abspath(args.mountpoint), raw_fi=True, foreground=True, nothreads=False,
              fsname='powerlossfs', subtype='powerlossfs', allow_other=True, use_ino=True,
              big_writes=True, max_write=131072, max_read=131072)


if __name__ == '__main__':
    main()
