import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import App from './App.tsx'

describe('App', () => {
  it('renders the product name in Vietnamese with diacritics', () => {
    render(<App />)
    expect(
      screen.getByRole('heading', { level: 1, name: 'Điều hành số' }),
    ).toBeInTheDocument()
  })

  it('renders the Vietnamese subtitle and the English line', () => {
    render(<App />)
    expect(
      screen.getByText(
        'Theo dõi chỉ đạo, vốn chương trình và tiêu chí nông thôn mới',
      ),
    ).toBeInTheDocument()
    expect(
      screen.getByText(
        'Directive, programme-fund and new-rural-development tracking',
      ),
    ).toBeInTheDocument()
  })
})
