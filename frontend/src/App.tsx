export const PRODUCT_NAME = 'Điều hành số'
export const PRODUCT_SUBTITLE =
  'Theo dõi chỉ đạo, vốn chương trình và tiêu chí nông thôn mới'
export const PRODUCT_SUBTITLE_EN =
  'Directive, programme-fund and new-rural-development tracking'

export default function App() {
  return (
    <main className="app">
      <header className="app-header">
        <h1>{PRODUCT_NAME}</h1>
        <p className="subtitle">{PRODUCT_SUBTITLE}</p>
        <p className="subtitle-en" lang="en">
          {PRODUCT_SUBTITLE_EN}
        </p>
      </header>
    </main>
  )
}
