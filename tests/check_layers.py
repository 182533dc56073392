#!/usr/bin/env python3
"""Every include in src/ points down the data flow (docs/architecture.md).

A file in src/FOLDER may include headers of its own folder, of the folders FOLDER may use (the
table below), of include/ (shared with bpf/) and of the system; project headers are named by
their folder ("conns/conntable.h"). The BPF side includes nothing of src/. The table itself must
stay acyclic. Usage: check_layers.py SOURCE_ROOT
"""
import os
import re
import sys

# folder -> the folders it may include from (directly; not transitive, so each edge is on purpose)
MAY_USE = {
    'common': [],
    'edges': ['common'],
    'hook': ['common'],
    'tracker': ['common'],
    'report': ['edges', 'common'],
    'render': ['report', 'edges', 'common'],
    'conns': ['tracker', 'edges', 'common'],
    'containers': ['hook', 'common'],
    'net': ['conns', 'report', 'common'],
    'daemon': ['net', 'containers', 'conns', 'tracker', 'report', 'edges', 'hook', 'common'],
    'cli': ['daemon', 'render', 'net', 'containers', 'conns', 'tracker', 'report', 'edges', 'hook', 'common'],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def acyclic(graph):
    state = {}

    def visit(node, path):
        if state.get(node) == 'done':
            return True
        if state.get(node) == 'open':
            print('check_layers: the table has a cycle: ' + ' -> '.join(path + [node]))
            return False
        state[node] = 'open'
        ok = all(visit(n, path + [node]) for n in graph[node])
        state[node] = 'done'
        return ok

    return all(visit(n, []) for n in graph)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    src = os.path.join(root, 'src')
    shared = set(os.listdir(os.path.join(root, 'include')))
    errors = []
    if not acyclic(MAY_USE):
        return 1

    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for folder in folders:
        if folder not in MAY_USE:
            errors.append(f'src/{folder}/: a folder the layer table does not know (add it to {__file__})')
    for name in os.listdir(src):
        if name.endswith(('.c', '.h')):
            errors.append(f'src/{name}: sources live in a folder of src/')

    def check(path, folder, allowed):
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                header = m.group(1)
                where = f'{os.path.relpath(path, root)}:{lineno}'
                if header in shared or header.endswith('.skel.h'):
                    continue
                target = header.split('/')[0] if '/' in header else None
                if target is None:
                    errors.append(f'{where}: "{header}": name a project header by its folder')
                elif target != folder and target not in allowed:
                    errors.append(f'{where}: src/{folder} may not include "{header}" '
                                  f'(it may use: {", ".join(allowed) or "nothing"})')

    for folder in folders:
        for dirpath, _, files in os.walk(os.path.join(src, folder)):
            for name in sorted(files):
                if name.endswith(('.c', '.h')):
                    check(os.path.join(dirpath, name), folder, MAY_USE.get(folder, []))
    bpf = os.path.join(root, 'bpf')
    shared_and_own = shared | set(os.listdir(bpf))
    for name in sorted(os.listdir(bpf)):
        if name.endswith(('.c', '.h')):
            with open(os.path.join(bpf, name), encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in shared_and_own:
                        errors.append(f'bpf/{name}:{lineno}: the BPF side includes "{m.group(1)}" '
                                      '(only include/ and bpf/)')

    for e in errors:
        print(e)
    if errors:
        print(f'check_layers: {len(errors)} include(s) against the layers (docs/architecture.md)')
        return 1
    print(f'check_layers: {len(folders)} folders, every include points down')
    return 0


if __name__ == '__main__':
    sys.exit(main())
