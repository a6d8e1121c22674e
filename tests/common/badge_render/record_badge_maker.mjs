// Record badge-maker's widths for our badges' labels and messages, once (see PROVENANCE.md).
//   node record_badge_maker.mjs <badge-maker install dir> cases.json > badge_maker_widths.json
// For each case and style: the SVG's width and the label's and message's text widths in px
// (textLength / 10), read from the SVG badge-maker draws.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [installDir, casesPath] = process.argv.slice(2)
const pkgDir = join(installDir, 'node_modules', 'badge-maker')
const { makeBadge } = await import(pathToFileURL(join(pkgDir, 'lib', 'index.js')).href)
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version
const STYLES = ['flat', 'flat-square', 'plastic', 'for-the-badge', 'social']

function widths(svg) {
  const width = Number(svg.match(/<svg [^>]*?\bwidth="([\d.]+)"/)[1])
  const lengths = [...svg.matchAll(/textLength="([\d.]+)"/g)].map(m => Number(m[1]) / 10)
  return [width, lengths[0], lengths[lengths.length - 1]]
}

const cases = JSON.parse(readFileSync(casesPath, 'utf8')).map(([label, message]) => {
  const styles = {}
  for (const style of STYLES) {
    styles[style] = widths(makeBadge({ label, message, color: 'blue', style }))
  }
  return { label, message, widths: styles }
})
const out = {
  'badge-maker': version,
  node: process.version,
  recorded: new Date().toISOString().slice(0, 10),
  columns: ['badge width', 'label text width', 'message text width'],
  cases,
}
process.stdout.write(JSON.stringify(out, null, 0).replace(/\{"label"/g, '\n{"label"') + '\n')
