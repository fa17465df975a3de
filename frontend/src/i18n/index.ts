// UI text: Vietnamese (with diacritics) by default, English switchable; the
// choice is remembered in this browser.
import i18n from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en } from './en'
import { vi } from './vi'

export const LANGUAGE_KEY = 'dhs.lang'

function initialLanguage(): 'vi' | 'en' {
  try {
    return localStorage.getItem(LANGUAGE_KEY) === 'en' ? 'en' : 'vi'
  } catch {
    return 'vi'
  }
}

void i18n.use(initReactI18next).init({
  resources: { vi: { translation: vi }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'vi',
  interpolation: { escapeValue: false },
})

export function setLanguage(lang: 'vi' | 'en') {
  localStorage.setItem(LANGUAGE_KEY, lang)
  void i18n.changeLanguage(lang)
}

export default i18n
