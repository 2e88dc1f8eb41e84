import { authCases } from './auth-cases'

authCases('none')
