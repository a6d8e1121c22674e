// Record badge-maker's SVGs for the label edge cases of issue 20 (see PROVENANCE.md):
//   node record_label_cases.mjs <badge-maker install dir> > badge_maker_label_cases.json
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [installDir] = process.argv.slice(2)
const pkgDir = join(installDir, 'node_modules', 'badge-maker')
const { makeBadge } = await import(pathToFileURL(join(pkgDir, 'lib', 'index.js')).href)
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
const CASES = [
  // ?label=&labelColor=...: badge-maker's hasLabel is `label.length || labelColor`
  ...['flat', 'flat-square', 'plastic', 'for-the-badge'].map(style =>
    ({ label: '', message: '1.2.3', color: '#007ec6', labelColor: '#e05d44', style })),
  ...['flat', 'flat-square', 'plastic'].map(style =>
    ({ label: '', message: '1.2.3', color: '#007ec6', style })),
  // social capitalises the first UTF-16 unit: an astral-plane letter stays as it is
  { label: '\u{10428}bc', message: '1.2.3', color: '#007ec6', style: 'social' },
  { label: '\u{1D41A}pple', message: '7', color: '#007ec6', style: 'social' },
  { label: 'ébc', message: '1.2.3', color: '#007ec6', style: 'social' },
]
const out = {
  'badge-maker': version,
  node: process.version,
  cases: CASES.map(format => ({ format, svg: makeBadge(format) })),
}
console.log(JSON.stringify(out, null, 1))
